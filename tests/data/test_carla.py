"""CARLA 0.8.x: 24-bit depth, red-channel tags, sky from the far plane."""

import numpy as np
import pytest
from fixture_files import image, rgb24

from atdt.data import CLASSES, load_dataset
from atdt.data.errors import DatasetError
from atdt.data.io import write_image


def test_tags_depth_and_sky(tmp_path):
    base = tmp_path / "train"
    write_image(base / "rgb/a.png", image(1, 5))
    write_image(base / "depth/a.png", rgb24(np.array([[3.0, 12.5, 1000.0, 99.0, 40.0]])))
    tags = np.zeros((1, 5, 3), np.uint8)
    tags[0, :, 0] = [6, 7, 0, 10, 3]  # road line, road, none (at the far plane), vehicle, other
    write_image(base / "semantic/a.png", tags)
    s = load_dataset("carla", tmp_path, "train")[0]
    c = CLASSES.index
    assert s["semantic"].tolist() == [[c("road"), c("road"), c("sky"), c("vehicle"), 255]]
    assert np.allclose(s["depth"].numpy(), [[3.0, 12.5, 1000.0, 99.0, 40.0]], atol=1e-3)
    assert s["camera"]["fx"] == pytest.approx(859.238)
    tags[0, 0, 0] = 40
    write_image(base / "semantic/a.png", tags)
    with pytest.raises(DatasetError, match="outside the carla table"):
        load_dataset("carla", tmp_path, "train")[0]
