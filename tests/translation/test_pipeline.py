"""`atdt translate`'s pipeline without training: the training splits CycleGAN reads (images only:
no proxy labels; the domain's limit and skip_bad), a crop larger than the images refused naming
the domain, and what the translation's fingerprint hashes."""

import pytest

from atdt.config import DataConfig, GANTrainConfig, TranslationRunConfig
from atdt.translation.pipeline import open_training, translation_inputs


def _config(world, **train) -> TranslationRunConfig:
    return TranslationRunConfig(domain_a=DataConfig(root=str(world / "clean"), limit=5),
                           domain_b=DataConfig(root=str(world / "camera"), depth_root=str(world / "camera-proxy")),
                           train=GANTrainConfig(**{"crop": (32, 32), **train}))


def test_the_training_splits_are_images_of_each_domain_without_proxy_labels(tiny_world):
    a, b = open_training(_config(tiny_world))
    assert (len(a), len(b)) == (5, 12)  # A's limit; all of B
    assert b.domain == "world/camera"  # not world/camera+proxy: CycleGAN reads no labels


def test_a_crop_larger_than_the_images_is_refused_naming_the_domain(tiny_world):
    with pytest.raises(ValueError, match=r"train.crop \[64, 64\] is larger than the images of world/clean \(32x64\)"):
        open_training(_config(tiny_world, crop=(64, 64)))


def test_the_fingerprint_hashes_both_training_sets_the_settings_and_the_seed(tiny_world):
    cfg = _config(tiny_world)
    inputs = translation_inputs(cfg, *open_training(cfg))
    assert inputs["task"] == "cyclegan" and [d["root"] for d in inputs["data"]] == [
        str((tiny_world / "clean").resolve()), str((tiny_world / "camera").resolve())]
    assert inputs["data"][0]["limit"] == 5 and inputs["train"]["crop"] == [32, 32]
    assert "log_every" not in inputs["train"]  # how often we look changes nothing trained
