"""The frozen-encoder feature cache of step 3: the encoders' outputs, mirror images included."""

import torch

from atdt.config import ExperimentConfig
from atdt.data import load_dataset
from atdt.method.features import cache_feature_pairs
from atdt.networks import build_task_network
from atdt.presets import resolve_experiment
from atdt.typed_config import load_config


def _setup(tiny_world, overrides):
    cfg = load_config(ExperimentConfig, resolve_experiment("tiny"), overrides)
    torch.manual_seed(0)
    n1, n2 = build_task_network(cfg.network, 1), build_task_network(cfg.network, 11)
    return cfg, n1.eval(), n2.eval(), load_dataset("world", tiny_world / "clean", "train")


def test_cached_features_are_the_encoders_outputs_with_mirror_images(tiny_world):
    _, n1, n2, train_a = _setup(tiny_world, [])
    pairs = cache_feature_pairs(n1.encoder, n2.encoder, train_a, device="cpu", batch_size=5, progress=False)
    # per batch: its images, then their mirror images
    assert len(pairs) == 2 * len(train_a)
    image = train_a[0]["image"][None]
    with torch.no_grad():
        # batch 5 against batch 1: kernels may sum in another order
        assert torch.allclose(pairs[0]["f1"], n1.encoder(image)[-1][0], rtol=1e-4, atol=1e-5)
        assert torch.allclose(pairs[5]["f2"], n2.encoder(image.flip(-1))[-1][0], rtol=1e-4, atol=1e-5)
