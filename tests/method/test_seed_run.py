"""Training on demand: a new network is one table entry, trained once, after what it builds on, in
its own folder, with the fingerprints of its inputs among its own."""

from types import SimpleNamespace

from atdt.config import ExperimentConfig
from atdt.engine import is_finished
from atdt.engine.reuse import INPUTS, MARKER
from atdt.method.network_table import NETWORKS, Network
from atdt.method.network_types import TYPES, Declared, NetworkType
from atdt.method.seed_run import SeedRun, ensure_network


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
    fabric = SimpleNamespace(is_global_zero=True, barrier=lambda: None, world_size=1, broadcast=lambda obj, src=0: obj)
    run = SeedRun(ExperimentConfig(out=str(tmp_path)), tmp_path, fabric, print_fn=lambda m: None)
    assert ensure_network("toy_b", run).name == "b"
    assert ensure_network("toy_b", run).name == "b" and ensure_network("toy_a", run).name == "toy_a"
    assert trained == [("toy_a", []), ("b", ["toy_a"])]  # each once, the input first
    inputs = (tmp_path / "b" / INPUTS).read_text()
    assert run.fingerprints["toy_a"] in inputs and (tmp_path / "b" / MARKER).read_text().strip() == run.fingerprints["toy_b"]
    assert set(run.timings) == {"toy_a", "b"} and not is_finished(tmp_path / "b")
