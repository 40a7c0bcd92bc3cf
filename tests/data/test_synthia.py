"""SYNTHIA-SF: 24-bit depth, R-channel labels, the sequence split."""

import numpy as np
import pytest
from fixture_files import image, rgb24

from atdt.data import CLASSES, load_dataset
from atdt.data.io import write_image


def test_decodes_depth_labels_and_split(tmp_path):
    for seq in (2, 4, 5, 6, 3):
        base = tmp_path / f"SEQ{seq}"
        write_image(base / "RGBLeft/0000000.png", image(2, 3))
        depth = np.array([[1.5, 20.0, 999.0], [0.5, 100.0, 50.25]])
        write_image(base / "DepthLeft/0000000.png", rgb24(depth))
        gt = np.zeros((2, 3, 3), np.uint8)
        gt[..., 0] = [[1, 14, 18], [19, 11, 0]]  # road, car, motorcycle, bicycle (ignored), sky, void
        gt[..., 1] = 99  # instance ids live in the other channels
        write_image(base / "GTLeft/0000000.png", gt)
    train = load_dataset("synthia", tmp_path, "train")
    assert len(train) == 4 and train.names[0] == "SEQ2/0000000"
    s = train[0]
    assert np.allclose(s["depth"].numpy(), [[1.5, 20.0, 999.0], [0.5, 100.0, 50.25]], atol=1e-3)
    c = CLASSES.index
    assert s["semantic"].tolist() == [[c("road"), c("vehicle"), c("vehicle")], [255, c("sky"), 255]]
    assert s["camera"]["fx"] == pytest.approx(847.630) and s["camera"]["cx"] == 960.0
    assert len(load_dataset("synthia", tmp_path, "val")) == 1
    with pytest.raises(ValueError, match="train, val, test"):
        load_dataset("synthia", tmp_path, "dev")
