"""Step 3 on its own: G trains on cached features or, uncached, on image crops through the
frozen encoders; either way the encoders stay untouched and the feature loss goes down."""

from types import SimpleNamespace

import pytest
import torch

from atdt.cli.run import resolve_experiment
from atdt.config import ExperimentConfig
from atdt.data import load_dataset
from atdt.engine import make_fabric
from atdt.method.features import cache_feature_pairs
from atdt.method.steps import step3_train_transfer
from atdt.networks import build_task_network
from atdt.typed_config import load_config


def _setup(tiny_world, overrides):
    cfg = load_config(ExperimentConfig, resolve_experiment("tiny"), overrides)
    torch.manual_seed(0)
    n1, n2 = build_task_network(cfg.network, 1), build_task_network(cfg.network, 11)
    return cfg, n1.eval(), n2.eval(), load_dataset("world", tiny_world / "clean", "train")


@pytest.mark.parametrize("cached", ["true", "false"])
def test_g_lowers_the_feature_loss_and_leaves_the_encoders_frozen(tiny_world, tmp_path, cached):
    overrides = [f"transfer.cache_features={cached}", "transfer.train.steps=20", "transfer.train.crop=[16,32]"]
    cfg, n1, n2, train_a = _setup(tiny_world, overrides)
    before = [p.clone() for p in (*n1.encoder.parameters(), *n2.encoder.parameters())]
    step3_train_transfer(n1.encoder, n2.encoder, train_a, transfer=cfg.transfer, runtime=cfg.runtime,
                         run_dir=tmp_path / "transfer", fabric=make_fabric(cfg.runtime))
    rows = (tmp_path / "transfer" / "logs" / "train.csv").read_text().splitlines()[1:]
    losses = [float(r.split(",")[1]) for r in rows]
    assert losses[-1] < losses[0]
    after = [*n1.encoder.parameters(), *n2.encoder.parameters()]
    assert all(torch.equal(a, b) for a, b in zip(before, after, strict=True))


def test_cached_features_are_the_encoders_outputs_with_mirror_images(tiny_world):
    _, n1, n2, train_a = _setup(tiny_world, [])
    pairs = cache_feature_pairs(n1.encoder, n2.encoder, train_a, device="cpu", batch_size=5, progress=False)
    # per batch: its images, then their mirror images
    assert len(pairs) == 2 * len(train_a)
    image = train_a[0]["image"][None]
    with torch.no_grad():
        assert torch.allclose(pairs[0]["f1"], n1.encoder(image)[-1][0], atol=1e-5)
        assert torch.allclose(pairs[5]["f2"], n2.encoder(image.flip(-1))[-1][0], atol=1e-5)


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
