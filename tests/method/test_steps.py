"""Step 3 on its own: G trains on cached features or, uncached, on image crops through the
frozen encoders; either way the encoders stay untouched and the feature loss goes down."""

from types import SimpleNamespace

import pytest
import torch

from atdt.presets import resolve_experiment
from atdt.config import ExperimentConfig
from atdt.data import load_dataset
from atdt.engine import make_fabric
from atdt.method.features import cache_feature_pairs
from atdt.method.steps import step3_train_transfer
from atdt.networks import build_task_network
from atdt.typed_config import load_config
from training_outcomes import fell, logged


def _setup(tiny_world, overrides):
    cfg = load_config(ExperimentConfig, resolve_experiment("tiny"), overrides)
    torch.manual_seed(0)
    n1, n2 = build_task_network(cfg.network, 1), build_task_network(cfg.network, 11)
    return cfg, n1.eval(), n2.eval(), load_dataset("world", tiny_world / "clean", "train")


@pytest.mark.training_outcome
@pytest.mark.parametrize("cached", ["true", "false"])
def test_g_fits_the_features_of_a_batch_and_leaves_the_encoders_frozen(tiny_world, tmp_path, cached):
    """G on one fixed batch of 4 (cached: 2 images and their mirror images; uncached: 4 whole
    images, no flips): its feature loss ends at ~0.05 of its start after 30 steps, the bound is half."""
    overrides = [f"transfer.cache_features={cached}", "transfer.train.steps=30", "transfer.train.crop=null",
                 "transfer.train.batch_size=4", "transfer.train.log_every=1", "transfer.train.optim.lr=0.003"]
    cfg, n1, n2, _ = _setup(tiny_world, overrides)
    train_a = load_dataset("world", tiny_world / "clean", "train", limit=2 if cached == "true" else 4)
    before = [p.clone() for p in (*n1.encoder.parameters(), *n2.encoder.parameters())]
    step3_train_transfer(n1.encoder, n2.encoder, train_a, transfer=cfg.transfer, runtime=cfg.runtime,
                         run_dir=tmp_path / "transfer", fabric=make_fabric(cfg.runtime))
    losses = logged(tmp_path / "transfer")
    assert len(losses) == 30 and fell(losses)
    after = [*n1.encoder.parameters(), *n2.encoder.parameters()]
    assert all(torch.equal(a, b) for a, b in zip(before, after, strict=True))


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


def test_g_takes_its_share_of_each_batch_under_ddp(tiny_world, tmp_path, monkeypatch):
    """Like steps 1 and 2, every process of step 3 trains on batch_size / world_size samples."""
    import atdt.method.steps as steps

    cfg, n1, n2, train_a = _setup(tiny_world, ["transfer.train.batch_size=4"])
    seen = {}
    monkeypatch.setattr(steps, "fit", lambda *a, **kw: seen.update(batch=kw["batch_size"], sampler=kw["sampler"]))
    fabric = SimpleNamespace(device=torch.device("cpu"), world_size=2, global_rank=1)
    steps.step3_train_transfer(n1.encoder, n2.encoder, train_a, transfer=cfg.transfer, runtime=cfg.runtime,
                               run_dir=tmp_path / "transfer", fabric=fabric)
    assert seen["batch"] == 2 and seen["sampler"].batch_size == 2 and seen["sampler"].rank == 1
