"""The steps: G (step 3) trains on cached features or, uncached, on image crops through the frozen
encoders, either way leaving the encoders untouched while the feature loss goes down; step 4's
predictor and the task networks of steps 1-2 on every architecture."""

import itertools
from types import SimpleNamespace

import pytest
import torch

from atdt.config import ExperimentConfig, NetworkConfig, TransferConfig
from atdt.data import load_dataset
from atdt.engine import make_fabric
from atdt.method.steps import build_transfer, step3_train_transfer, step4_transfer
from atdt.networks import build_task_network
from atdt.networks.encoder import ENCODERS
from atdt.networks.norms import NORMS
from atdt.presets import resolve_experiment
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


SIZE = (32, 48)  # stage 4 at output stride 32 is 1x2: the smallest map every part must handle


EVERY_NORM = ("resnet18", "resnet50")
CASES = [pytest.param(e, split, norm, skips, marks=[pytest.mark.slow] if e != "resnet18" else [],
                      id=f"{e}-split{split}-{norm}-{'skips' if skips else 'noskips'}")
         for e, split, norm, skips in itertools.product(ENCODERS, (1, 2, 3, 4), NORMS, (False, True))
         if e in EVERY_NORM or norm == "batch"]


@pytest.mark.parametrize("encoder, split, norm, skips", CASES)
def test_task_network_and_atdt_predictor(encoder, split, norm, skips):
    """One shared test for every architecture: each encoder x split level x norm x skips builds a
    task network N = D(E(x)) and the AT/DT predictor D2(G(E1(x))) of step 4 from two of them, and
    both return full-resolution outputs on tiny random images. With skips, D2 reads E2's shallow
    stages and G's deepest features (atdt.method.predictor.ATDTPredictor). Every norm runs on one net
    of each block type (ResNet-18: basic blocks, ResNet-50: bottlenecks); ResNet-34 and -101 differ
    from those only in block counts, so they run every split and skips with batch norm. All but
    ResNet-18 are `slow` (building the deeper nets dominates)."""
    network = NetworkConfig(encoder=encoder, split_level=split, norm=norm, skips=skips, decoder_channels=(8, 8, 8))
    torch.manual_seed(0)
    n1, n2 = build_task_network(network, 1).eval(), build_task_network(network, 11).eval()
    g = build_transfer(n1.encoder.out_channels[-1], n2.encoder.out_channels[-1], TransferConfig(width=8, down=1)).eval()
    predictor = step4_transfer(n1.encoder, g, n2)
    x = torch.rand(2, 3, *SIZE)
    with torch.no_grad():
        assert n1(x).shape == (2, 1, *SIZE) and n2(x).shape == (2, 11, *SIZE)
        out = predictor(x)
        features = n2.encode(x)
        features[-1] = g(n1.encode(x)[-1])  # N2 with G's features in place of E2's deepest
        expected = n2.decode(features, SIZE)
    assert out.shape == (2, 11, *SIZE) and torch.isfinite(out).all()
    assert torch.allclose(out, expected, atol=1e-5)
    assert (predictor.e2_skips is not None) == (skips and split > 1)
