"""load_dataset("world", ...) returns the documented sample dicts."""

import pytest
import torch

from atdt.data import load_dataset
from atdt.world import render
from atdt.world.writer import make_dataset


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("world")
    make_dataset("camera", "test", 2, (32, 64), root, workers=1, progress=False)
    return root


def test_samples_follow_the_contract(root):
    ds = load_dataset("world", root, "test")
    assert len(ds) == 2 and ds.names == ["test/000000", "test/000001"]
    assert ds.labels == {"semantic", "depth", "normals"} and ds.domain == "world/camera"
    s = ds[1]
    assert s["image"].dtype == torch.float32 and s["image"].shape == (3, 32, 64)
    assert 0.0 <= s["image"].min() and s["image"].max() <= 1.0
    assert s["semantic"].dtype == torch.int64 and s["semantic"].shape == (32, 64)
    assert s["depth"].dtype == torch.float32 and (s["depth"] >= 0).all()
    assert s["normals"].shape == (3, 32, 64)
    assert set(s["camera"]) == {"fx", "fy", "cx", "cy", "baseline"}
    sky = s["semantic"] == 10
    assert (s["depth"][sky] == 0).all() and (s["normals"][:, sky] == 0).all()


def test_stereo_pair_and_limit(root):
    ds = load_dataset("world", root, "test")
    left, right, camera = ds.read_stereo(0)
    expected = render("camera", 0, "test", (32, 64))
    assert (left == expected["image"]).all() and (right == expected["right_image"]).all()
    assert camera["baseline"] == pytest.approx(expected["camera"]["baseline"])


def test_missing_split_and_root_are_clear(root, tmp_path):
    with pytest.raises(FileNotFoundError, match="no split 'train'"):
        load_dataset("world", root, "train")
    with pytest.raises(FileNotFoundError, match="atdt world make"):
        load_dataset("world", tmp_path, "train")
    with pytest.raises(ValueError, match="cityscapes"):
        load_dataset("wrld", root, "train")
