"""The NETWORKS and METHODS tables: what each network's fingerprint hashes (pinned: a change would
retrain every network already trained), dependency order, training on demand, and that a new
network is one table entry."""

from types import SimpleNamespace

from atdt.config import ExperimentConfig, from_dict
from atdt.engine import is_finished
from atdt.engine.reuse import INPUTS, MARKER, fingerprint
from atdt.method import networks as tables
from atdt.method.methods import METHODS, networks_for
from atdt.method.networks import NETWORKS, Network, NetworkType, SeedRun, declared_inputs, ensure_network, networks_needed

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


def test_networks_come_after_what_they_build_on():
    assert networks_needed(["g"]) == ["n1", "n2", "g"]
    assert networks_for(["baseline"]) == ["n2"]
    assert networks_for(["oracle", "baseline"]) == ["n2", "oracle"]
    assert networks_for(["atdt"]) == ["n1", "n2", "g"]
    assert networks_for(["oracle", "atdt", "baseline"]) == ["n1", "n2", "oracle", "g"]
    for name, method in METHODS.items():
        assert set(method.needs) <= set(NETWORKS), name
    for name, net in NETWORKS.items():
        assert list(NETWORKS).index(name) > max((list(NETWORKS).index(b) for b in net.builds_on), default=-1)


def test_a_new_network_is_one_entry_trained_on_demand(tmp_path, monkeypatch):
    """A network type and two entries added to the tables: asking for the second trains the first
    before it, once, in their own folders, with the first's fingerprint among the second's inputs."""
    trained = []

    def train(net, run, builds_on, run_dir):
        trained.append((run_dir.name, sorted(builds_on)))
        return SimpleNamespace(name=run_dir.name)

    def declare(net, cfg):
        return tables.Declared("toy", {"width": 1}, cfg.n2, net.settings, ())

    monkeypatch.setitem(tables.TYPES, "toy", NetworkType(declare, train))
    monkeypatch.setitem(NETWORKS, "toy_a", Network("toy", domains=(), settings="n2", desc="toy a"))
    monkeypatch.setitem(NETWORKS, "toy_b", Network("toy", domains=(), settings="n2", desc="toy b",
                                                   builds_on=("toy_a",), folder="b"))
    fabric = SimpleNamespace(is_global_zero=True, barrier=lambda: None)
    run = SeedRun(CFG, tmp_path, fabric, print_fn=lambda m: None)
    assert ensure_network("toy_b", run).name == "b"
    assert ensure_network("toy_b", run).name == "b" and ensure_network("toy_a", run).name == "toy_a"
    assert trained == [("toy_a", []), ("b", ["toy_a"])]  # each once, the input first
    inputs = (tmp_path / "b" / INPUTS).read_text()
    assert run.fingerprints["toy_a"] in inputs and (tmp_path / "b" / MARKER).read_text().strip() == run.fingerprints["toy_b"]
    assert set(run.timings) == {"toy_a", "b"} and not is_finished(tmp_path / "b")
