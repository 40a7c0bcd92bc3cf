"""Cityscapes decoding from a fixture tree in the official encodings."""

import numpy as np
import pytest

from atdt.data import CLASSES, load_dataset
from atdt.data.errors import DatasetError
from atdt.data.io import write_image


def test_labels_collapse_to_the_11_classes_like_the_released_code(cityscapes_tree):
    s = load_dataset("cityscapes", cityscapes_tree, "val")[0]
    c = {n: i for i, n in enumerate(CLASSES)}
    sem = s["semantic"].tolist()
    assert sem[0] == [c["road"], c["sidewalk"], c["building"], c["wall"], c["fence"], c["pole"],
                      c["traffic_sign"], c["traffic_sign"]]
    # vegetation, terrain (ignored), sky, person, rider (ignored), car -> vehicle, truck and bus ignored
    assert sem[1] == [c["vegetation"], 255, c["sky"], c["person"], 255, c["vehicle"], 255, 255]
    # train ignored, motorcycle -> vehicle, bicycle ignored, void ids ignored
    assert sem[2] == [255, c["vehicle"], 255, 255, 255, 255, 255, 255]


def test_depth_from_disparity_and_the_camera_file(cityscapes_tree):
    ds = load_dataset("cityscapes", cityscapes_tree, "val")
    s = ds[0]
    assert s["depth"][0, 0].item() == pytest.approx(0.2 * 2000.0 / 10.0)  # B f / d
    assert s["depth"][0, 1].item() == pytest.approx(0.2 * 2000.0 / 0.5)
    assert s["depth"][0, 2].item() == 0.0 and s["depth"][1, 0].item() == 0.0  # p = 1 and p = 0: no label
    assert s["camera"] == {"fx": 2000.0, "fy": 2000.0, "cx": 4.0, "cy": 3.0, "baseline": 0.2}
    assert ds.names == ["val/aachen/aachen_000000_000019"] and ds.labels == {"semantic", "depth"}
    left, right, _camera = ds.read_stereo(0)
    assert left.shape == right.shape == (6, 8, 3)


def test_a_bad_label_file_names_itself(cityscapes_tree):
    bad = np.full((6, 8), 77, np.uint8)
    path = next(cityscapes_tree.glob("gtFine/val/*/*.png"))
    write_image(path, bad)
    with pytest.raises(DatasetError, match="outside the cityscapes table") as err:
        load_dataset("cityscapes", cityscapes_tree, "val")[0]
    assert str(path) in str(err.value)
