"""The steps: G (step 3) trains on cached features or, uncached, on image crops through the frozen
encoders, either way leaving the encoders untouched while the feature loss goes down; step 4's
predictor and the task networks of steps 1-2 on every architecture."""

import itertools
import json
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


def test_multiscale_transfer_trains_one_g_per_shallower_stage_and_predicts_without_e2(tiny_overrides, tmp_path,
                                                                                       capsys):
    """atdt_multiscale on the tiny preset with skips: G_1..G_3 beside step 3's G, each mapping E1's
    stage to E2's; its prediction is D2 over [G_k(E1_k(x))] and does not change with E2's weights.
    Once trained, transfer_stages is one finished network: reused by a second run, rebuilt from
    its own final checkpoint without the stage folders."""
    import shutil

    from atdt.cli import main
    from atdt.engine import load_checkpoint, load_task_network
    from atdt.method.methods import METHODS
    from atdt.method.seed_run import SeedRun, ensure_network

    steps = ["n1.steps=2", "n2.steps=2", "transfer.train.steps=4", "network.skips=true"]
    assert main(["run", "tiny", *tiny_overrides, *steps, "methods=[atdt,atdt_multiscale]"]) == 0
    seed = tmp_path / "runs" / "tiny" / "seed0"
    results = json.loads((seed / "results.json").read_text())
    assert {"atdt", "atdt_multiscale"} <= set(results["methods"]) and "atdt_multiscale" in results["on_domain_a"]
    cfg = load_config(ExperimentConfig, resolve_experiment("tiny"), [*tiny_overrides, *steps])
    n1, _, _ = load_task_network(seed / "n1")
    n2, _, _ = load_task_network(seed / "n2")
    gs = {}
    for k, level in ((1, 0), (2, 1), (3, 2), (4, -1)):
        folder = seed / ("transfer" if k == 4 else f"transfer_stages/stage{k}")
        g = build_transfer(n1.encoder.out_channels[level], n2.encoder.out_channels[level], cfg.transfer,
                           None if k == 4 else cfg.transfer.multiscale_down[k - 1])
        g.load_state_dict(load_checkpoint(folder / "checkpoints" / "final.ckpt")["model"])
        gs[k] = g.eval()
    capsys.readouterr()
    assert main(["run", "tiny", *tiny_overrides, *steps, "methods=[atdt_multiscale]"]) == 0
    out = capsys.readouterr().out
    assert "  transfer_stages: reused\n" in out and ": training" not in out
    for k in (1, 2, 3):  # the finished network is its own final checkpoint
        shutil.rmtree(seed / "transfer_stages" / f"stage{k}")
    run = SeedRun(cfg, seed, make_fabric(cfg.runtime), print_fn=lambda m: None)
    networks = {name: ensure_network(name, run) for name in ("n1", "g", "g_stages", "n2")}
    multiscale, single = (METHODS[m].predictor(networks) for m in ("atdt_multiscale", "atdt"))
    x = torch.rand(2, 3, 32, 64)
    with torch.no_grad():
        features = n1.encode(x)
        manual = n2.decode([gs[k](features[k - 1]) for k in (1, 2, 3, 4)], (32, 64))
        assert torch.allclose(multiscale(x), manual, atol=1e-5)
        before = multiscale(x), single(x)
        for p in networks["n2"].encoder.parameters():
            p.add_(0.5)
        # single-level AT/DT with skips reads E2's shallow stages on B; multi-scale reads none of E2
        assert torch.allclose(multiscale(x), before[0]) and not torch.allclose(single(x), before[1], atol=1e-3)


def test_multiscale_transfer_without_skips_is_refused(tiny_overrides, capsys):
    from atdt.cli import main

    assert main(["run", "tiny", *tiny_overrides, "methods=[atdt_multiscale]"]) == 2
    assert "network.skips: multi-scale transfer (atdt_multiscale) needs D2 to read" in capsys.readouterr().err
