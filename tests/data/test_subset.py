"""Subsets of a dataset (the first N, the samples that load) and ``open_split``, which applies
them as a domain's config says: skip_bad on every split, limit and proxy depth on training splits."""

import shutil

import numpy as np
import pytest

from atdt.config import DataConfig
from atdt.data import load_dataset, open_split
from atdt.data.io import write_image
from atdt.data.subset import first_n, load_sample, skip_bad


@pytest.fixture
def broken(tiny_world, tmp_path):
    """A copy of the tiny clean world whose second training sample has a semantic label of RGB."""
    root = tmp_path / "clean"
    shutil.copytree(tiny_world / "clean", root)
    write_image(root / "train/semantic/000001.png", np.zeros((32, 64, 3), np.uint8))
    return root


def test_first_n_keeps_the_first_samples_and_refuses_impossible_counts(tiny_world):
    data = load_dataset("world", tiny_world / "clean", "train")
    kept = first_n(data, 3)
    assert kept.names == data.names[:3] and kept.domain == data.domain and kept.labels == data.labels
    with pytest.raises(IndexError):
        kept[3]
    with pytest.raises(ValueError, match="limit 13 exceeds the 12 samples of world/clean"):
        first_n(data, 13)
    with pytest.raises(ValueError, match="limit must be >= 1"):
        first_n(data, 0)


def test_skip_bad_leaves_out_the_samples_that_fail_to_load_and_says_why(broken):
    data = load_dataset("world", broken, "train")
    sample, problem = load_sample(data, 1)
    assert sample is None and "semantic label PNG must be single-channel" in problem
    assert load_sample(data, 0)[1] is None
    kept = skip_bad(data)
    assert len(kept) == len(data) - 1 and "train/000001" not in kept.names and kept.skipped == [problem]


def test_open_split_reads_a_domain_as_its_config_says(tiny_world, broken):
    camera = DataConfig(root=str(tiny_world / "camera"), limit=4, depth_root=str(tiny_world / "camera-proxy"))
    train, test = open_split(camera, "train", train=True), open_split(camera, "test")
    assert len(train) == 4 and train.domain == "world/camera+proxy"  # limit and proxy depth: training only
    assert len(test) == 4 and test.domain == "world/camera"
    clean = DataConfig(root=str(broken), skip_bad=True)
    assert len(open_split(clean, "train")) == len(open_split(clean, "train", train=True)) == 11  # skip_bad: either way
