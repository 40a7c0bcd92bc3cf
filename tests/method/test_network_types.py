"""The network types: what each network's fingerprint hashes (pinned: a change would retrain every
network already trained), the split level keying G and not the task networks, and the
translation type sharing `atdt translate`'s fingerprint."""

import json
from dataclasses import replace

import torch

from atdt.cli import main
from atdt.config import ExperimentConfig
from atdt.data import load_dataset
from atdt.engine import evaluate, load_task_network, mean_focal
from atdt.engine.reuse import fingerprint
from atdt.method.network_types import declare, declared_inputs
from atdt.presets import resolve_experiment
from atdt.tasks import get_task
from atdt.typed_config import from_dict, load_config
from scores import same_scores

CFG = from_dict(ExperimentConfig, {
    "task_source": "depth", "task_target": "semantic",
    "network": {"encoder": "resnet18", "output_stride": 16, "decoder_channels": [16, 16, 16]},
    "n1": {"steps": 6, "batch_size": 4, "log_every": 2, "aux_edges": 0.1, "norm_align": 0.1,
           "optim": {"lr": 0.001, "schedule": "onecycle"}},
    "n2": {"steps": 5, "batch_size": 4, "optim": {"lr": 0.001}},
    "oracle": {"steps": 4, "batch_size": 2},
    "transfer": {"width": 32, "down": 1, "train": {"steps": 10, "batch_size": 4, "flip": False, "photometric": False,
                                                    "optim": {"lr": 0.001, "schedule": "constant"}}},
    "runtime": {"seed": 3}})
DATA = {"a": {"name": "world", "root": "/data/a", "files": "0123456789abcdef"},
        "b": {"name": "world", "root": "/data/b", "files": "fedcba9876543210"}}
TRAIN_DEFAULTS = {"crop": None, "flip": True, "photometric": True, "aux_edges": 0.0, "norm_align": 0.0}
OPTIM_DEFAULTS = {"beta1": 0.9, "weight_decay": 0.0, "power": 0.9}


def test_fingerprint_inputs_are_pinned():
    """The inputs and fingerprints of the runner's networks: networks trained with them must still be
    found (N1, N2 and the Oracle: those of runs/demo since before NETWORKS existed; G's since its
    split level entered its settings at every level, issue 25)."""
    fps = {}
    for name in ("n1", "n2", "oracle", "g"):
        fps[name] = fingerprint(declared_inputs(name, CFG, DATA, fps))
    assert declared_inputs("n1", CFG, DATA, fps) == {
        "task": "depth", "data": [DATA["a"], DATA["b"]],
        "network": {"encoder": "resnet18", "output_stride": 16, "norm": "batch", "split_level": 4, "skips": False,
                    "decoder_channels": [16, 16, 16], "pretrained": None},
        "train": {**TRAIN_DEFAULTS, "steps": 6, "batch_size": 4, "aux_edges": 0.1, "norm_align": 0.1,
                  "optim": {**OPTIM_DEFAULTS, "lr": 0.001, "schedule": "onecycle"}},
        "seed": 3, "precision": "32-true", "builds_on": []}
    assert declared_inputs("g", CFG, DATA, fps) == {
        "task": "transfer", "data": [DATA["a"]],
        "network": {"layers": 6, "down": 1, "width": 32, "norm": "none", "activation": "elu", "cache_features": True,
                    "split_level": 4},
        "train": {**TRAIN_DEFAULTS, "steps": 10, "batch_size": 4, "flip": False, "photometric": False,
                  "optim": {**OPTIM_DEFAULTS, "lr": 0.001, "schedule": "constant"}},
        "seed": 3, "precision": "32-true", "builds_on": [fps["n1"], fps["n2"]]}
    assert declared_inputs("oracle", CFG, DATA, fps)["data"] == [DATA["b"]]
    assert fps == {"n1": "df8b9eaaa4f6322d", "n2": "a4804b706ea690a1", "oracle": "cac1fc73ca90c640",
                   "g": "8af82400eb5197b7"}


def _fingerprints(cfg, names=("n1", "n2", "oracle", "g")) -> dict:
    fps = {}
    for name in names:
        fps[name] = fingerprint(declared_inputs(name, cfg, DATA, fps))
    return fps


def test_the_split_level_keys_g_and_not_the_task_networks():
    """N = D(E(x)) is one network whatever the split: N1, N2 and the Oracle keep the pinned
    fingerprints at every level (the transfer-level study trains them once), G has one per level
    (level 4 keeps its pinned one). With skip connections the split changes N, so it keys N too."""
    pinned = _fingerprints(CFG)
    per_level = {k: _fingerprints(replace(CFG, network=replace(CFG.network, split_level=k))) for k in (1, 2, 3, 4)}
    for k, fps in per_level.items():
        assert {n: fps[n] for n in ("n1", "n2", "oracle")} == {n: pinned[n] for n in ("n1", "n2", "oracle")}
    assert per_level[4] == pinned and len({fps["g"] for fps in per_level.values()}) == 4
    skips = {k: _fingerprints(replace(CFG, network=replace(CFG.network, split_level=k, skips=True))) for k in (3, 4)}
    assert skips[3]["n1"] != skips[4]["n1"] and skips[3]["n2"] != skips[4]["n2"]


def test_class_balance_keys_only_the_networks_of_a_task_with_classes():
    """The blocks name roles: n2.class_balance balances N2 of Dep. -> Sem. and is left out of
    N2 of Sem. -> Dep. (depth has no classes): its training settings and fingerprint stay those at 0,
    so one preset runs both directions. The Oracle's block works alike; n1's for a semantic T1."""
    balanced = replace(CFG, n1=replace(CFG.n1, class_balance=0.75), n2=replace(CFG.n2, class_balance=0.75),
                       oracle=replace(CFG.oracle, class_balance=0.75))
    plain, weighted = _fingerprints(CFG), _fingerprints(balanced)
    assert weighted["n1"] == plain["n1"]  # depth
    assert weighted["n2"] != plain["n2"] and weighted["oracle"] != plain["oracle"]  # semantic
    assert declare("n2", balanced).train.class_balance == 0.75 and declare("n1", balanced).train.class_balance == 0
    plain_flipped, balanced_flipped = (replace(c, task_source="semantic", task_target="depth") for c in (CFG, balanced))
    plain, weighted = _fingerprints(plain_flipped), _fingerprints(balanced_flipped)
    assert weighted["n2"] == plain["n2"] and weighted["oracle"] == plain["oracle"]
    assert weighted["n1"] != plain["n1"]
    assert declare("oracle", balanced_flipped).train.class_balance == 0


def test_the_study_networks_have_their_own_fingerprints():
    """Each study network hashes what makes it differ: its domains, its kind (separate encoders,
    the heads of the multi-task network); the variants of task networks train without the
    auxiliary losses, and the multi-task network keeps the split level (its E is shared up to it)."""
    names = ("n1", "n2", "oracle", "g", "n1_a", "n1_b", "g_sep_n1", "multitask", "n1_sepenc", "g_sepenc")
    fps = _fingerprints(CFG, names)
    assert len(set(fps.values())) == len(names)
    inputs = {name: declared_inputs(name, CFG, DATA, fps) for name in names}
    assert inputs["n1_a"]["data"] == [DATA["a"]] and inputs["n1_b"]["data"] == [DATA["b"]]
    assert inputs["n1_a"]["train"] == inputs["n1"]["train"]  # N1's settings, one domain each
    assert inputs["g_sep_n1"]["builds_on"] == [fps["n1_a"], fps["n2"]]
    assert inputs["g_sepenc"]["builds_on"] == [fps["n1_sepenc"], fps["n2"]]
    assert inputs["multitask"]["task"] == "depth+semantic"
    assert inputs["multitask"]["network"]["heads"] == {"depth": ["a", "b"], "semantic": ["a"]}
    assert inputs["n1_sepenc"]["network"]["encoders"] == ["a", "b"]
    for name in ("multitask", "n1_sepenc"):
        assert inputs[name]["data"] == [DATA["a"], DATA["b"]]
        assert inputs[name]["train"]["aux_edges"] == 0 and inputs[name]["train"]["norm_align"] == 0
        assert inputs[name]["train"]["steps"] == CFG.n1.steps
    level2 = replace(CFG, network=replace(CFG.network, split_level=2))
    assert _fingerprints(level2, names)["multitask"] != fps["multitask"]
    assert _fingerprints(level2, names)["n1_a"] == fps["n1_a"]
    # the multi-task network needs T1's labels on both domains, T2's on A only
    multitask = declare("multitask", CFG)
    assert multitask.labels_for("a") == ("depth", "semantic") and multitask.labels_for("b") == ("depth",)


def _run(overrides, capsys):
    assert main(["run", "tiny", *overrides]) == 0
    return capsys.readouterr().out


def test_the_runner_adopts_the_translation_of_atdt_translate_and_rescales_depth(tiny_world, tiny_overrides, tmp_path,
                                                                               capsys):
    """The same data, settings, seed and precision: one fingerprint, so the experiment takes the
    translation `atdt translate` trained. Depth of N2 on B like A is rescaled by f_B / f_A as on B."""
    tiny = load_config(ExperimentConfig, resolve_experiment("tiny"), tiny_overrides).translate
    settings = [f"network.{k}={getattr(tiny.network, k)}" for k in ("width", "blocks", "disc_width", "disc_layers")]
    settings += [f"train.{k}={getattr(tiny.train, k)}" for k in ("steps", "log_every", "ckpt_every")]
    translated = tmp_path / "runs" / "translate" / "tiny"
    assert main(["translate", f"world:{tiny_world / 'clean'}", f"world:{tiny_world / 'camera'}",
                 f"domain_b.depth_root={tiny_world / 'camera-proxy'}", *settings, "train.crop=[32,32]",
                 "--out", str(translated), "--quiet"]) == 0
    capsys.readouterr()
    out = _run([*tiny_overrides, "task_source=semantic", "task_target=depth", "methods=[cyclegan]"], capsys)
    assert f"translation: reused (same inputs as {translated})" in out
    seed = tmp_path / "runs" / "tiny" / "seed0"
    ckpt = "checkpoints/final.ckpt"
    assert (seed / "translation" / ckpt).read_bytes() == (translated / ckpt).read_bytes()
    like, theirs = (load_dataset("world", folder / "b_like_a", "test") for folder in (seed / "translation", translated))
    assert all(torch.equal(like[i]["image"], theirs[i]["image"]) for i in range(len(like)))
    results = json.loads((seed / "results.json").read_text())
    a, b = load_dataset("world", tiny_world / "clean", "test"), load_dataset("world", tiny_world / "camera", "test")
    ratio = mean_focal(b) / mean_focal(a)
    assert ratio != 1.0 and results["depth_scale"] == ratio
    n2, _, _ = load_task_network(seed / "n2")
    depth = get_task("depth")
    scores = results["methods"]["cyclegan"]
    kw = {"device": "cpu", "progress": False}
    assert same_scores(evaluate(n2.eval(), like, depth, depth_scale=ratio, **kw), scores)
    assert not same_scores(evaluate(n2.eval(), like, depth, **kw), scores)  # rescaled, as on B
    assert not same_scores(evaluate(n2.eval(), b, depth, depth_scale=ratio, **kw), scores)  # not B's own images
