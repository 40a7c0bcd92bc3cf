"""The NETWORKS and METHODS tables: what each network's fingerprint hashes (pinned: a change would
retrain every network already trained), dependency order, training on demand, and that a new
network is one table entry."""

from dataclasses import replace
from types import SimpleNamespace

from atdt.config import ExperimentConfig
from atdt.engine import is_finished
from atdt.engine.reuse import INPUTS, MARKER, fingerprint
from atdt.method.methods import METHODS, networks_for
from atdt.method.network_table import NETWORKS, Network, networks_needed
from atdt.method.network_types import TYPES, Declared, NetworkType, declare, declared_inputs
from atdt.method.seed_run import SeedRun, ensure_network
from atdt.typed_config import from_dict

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
    """The inputs and fingerprints the runner had before NETWORKS existed: networks trained then
    must still be found (checked against the run folders of runs/demo when the tables came in)."""
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
        "network": {"layers": 6, "down": 1, "width": 32, "norm": "none", "activation": "elu", "cache_features": True},
        "train": {**TRAIN_DEFAULTS, "steps": 10, "batch_size": 4, "flip": False, "photometric": False,
                  "optim": {**OPTIM_DEFAULTS, "lr": 0.001, "schedule": "constant"}},
        "seed": 3, "precision": "32-true", "builds_on": [fps["n1"], fps["n2"]]}
    assert declared_inputs("oracle", CFG, DATA, fps)["data"] == [DATA["b"]]
    assert fps == {"n1": "df8b9eaaa4f6322d", "n2": "a4804b706ea690a1", "oracle": "cac1fc73ca90c640",
                   "g": "76040b8e6cddfc4a"}


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


def test_the_study_methods_predict_through_the_right_networks():
    """Separate N1: G on N1^B's encoder on B, N1^A's on A; separate encoders: E1^B / E1^A of one
    network; No Transfer: the multi-task network's T2 (target) head."""
    from atdt.networks import build_multitask_network, build_separate_encoder_network, build_task_network
    from atdt.networks.transfer import TransferNetwork

    network = CFG.network
    nets = {"n1_a": build_task_network(network, 1), "n1_b": build_task_network(network, 1),
            "n2": build_task_network(network, 11), "g_sep_n1": TransferNetwork(512, 512, width=8),
            "n1_sepenc": build_separate_encoder_network(network, 1), "g_sepenc": TransferNetwork(512, 512, width=8),
            "multitask": build_multitask_network(network, {"depth": 1, "semantic": 11})}
    sep_n1, sep_enc = METHODS["atdt_separate_n1"], METHODS["atdt_separate_encoders"]
    assert sep_n1.predictor(nets).e1 is nets["n1_b"].encoder and sep_n1.predictor_a(nets).e1 is nets["n1_a"].encoder
    assert sep_n1.predictor(nets).g is nets["g_sep_n1"] and sep_n1.predictor(nets).d2 is nets["n2"].decoder
    assert sep_enc.predictor(nets).e1 is nets["n1_sepenc"].encoder_for("b")
    assert sep_enc.predictor_a(nets).e1 is nets["n1_sepenc"].encoder_for("a")
    assert METHODS["no_transfer"].predictor(nets).decoder is nets["multitask"].decoders["semantic"]
    assert METHODS["no_transfer"].predictor_a is None and METHODS["no_transfer"].on_a == ("no_transfer", "No Transfer")


def test_networks_come_after_what_they_build_on():
    assert networks_needed(["g"]) == ["n1", "n2", "g"]
    assert networks_for(["baseline"]) == ["n2"]
    assert networks_for(["oracle", "baseline"]) == ["n2", "oracle"]
    assert networks_for(["atdt"]) == ["n1", "n2", "g"]
    assert networks_for(["oracle", "atdt", "baseline"]) == ["n1", "n2", "oracle", "g"]
    assert networks_for(["atdt_separate_n1"]) == ["n2", "n1_a", "n1_b", "g_sep_n1"]
    assert networks_for(["atdt_separate_encoders", "no_transfer"]) == ["n2", "multitask", "n1_sepenc", "g_sepenc"]
    for name, method in METHODS.items():
        assert set(method.needs) <= set(NETWORKS), name
    for name, net in NETWORKS.items():
        assert list(NETWORKS).index(name) > max((list(NETWORKS).index(b) for b in net.builds_on), default=-1)


def test_a_new_network_is_one_entry_trained_on_demand(tmp_path, monkeypatch):
    """A network type and two entries added to the tables: asking for the second trains the first
    before it, once, in their own folders, with the first's fingerprint among the second's inputs."""
    trained = []

    def train(net, declared, run, builds_on, run_dir):
        trained.append((run_dir.name, sorted(builds_on)))
        return SimpleNamespace(name=run_dir.name)

    def declare(net, cfg, settings):
        return Declared("toy", {"width": 1}, settings, settings, ())

    monkeypatch.setitem(TYPES, "toy", NetworkType(declare, lambda *_: None, train))
    monkeypatch.setitem(NETWORKS, "toy_a", Network("toy", domains=(), settings="n2", desc="toy a"))
    monkeypatch.setitem(NETWORKS, "toy_b", Network("toy", domains=(), settings="n2", desc="toy b",
                                                   builds_on=("toy_a",), folder="b"))
    fabric = SimpleNamespace(is_global_zero=True, barrier=lambda: None, world_size=1)
    run = SeedRun(CFG, tmp_path, fabric, print_fn=lambda m: None)
    assert ensure_network("toy_b", run).name == "b"
    assert ensure_network("toy_b", run).name == "b" and ensure_network("toy_a", run).name == "toy_a"
    assert trained == [("toy_a", []), ("b", ["toy_a"])]  # each once, the input first
    inputs = (tmp_path / "b" / INPUTS).read_text()
    assert run.fingerprints["toy_a"] in inputs and (tmp_path / "b" / MARKER).read_text().strip() == run.fingerprints["toy_b"]
    assert set(run.timings) == {"toy_a", "b"} and not is_finished(tmp_path / "b")
