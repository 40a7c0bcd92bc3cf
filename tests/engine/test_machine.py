"""The machine: CPU facts as torch reports them, a measured step rate, precision auto."""

import json

import pytest

from atdt.cli import main
from atdt.config import NetworkConfig, RuntimeConfig, TaskTrainConfig
from atdt.engine import fabric, machine
from atdt.engine.machine import describe_cpu, measure_step_rate, resolve_precision, resolve_runtime


def test_the_cpu_is_described_by_name_kernels_and_bf16_units():
    text = describe_cpu()
    assert machine.cpu_name() in text and "kernels: " in text
    assert ("native bf16: yes" in text) == machine.native_bf16_cpu()


def test_a_step_rate_is_measured_on_the_given_network(tmp_path):
    net = NetworkConfig(decoder_channels=(8, 8, 8))
    assert measure_step_rate(net, 11, batch_size=2, size=(32, 64), seconds=0.05, warmup=1) > 0
    # the same step without the pretrained weights: none is read (or downloaded) just to time it
    missing = NetworkConfig(decoder_channels=(8, 8, 8), pretrained=str(tmp_path / "absent.pth"))
    assert measure_step_rate(missing, 11, batch_size=2, size=(32, 64), seconds=0.05, warmup=1) > 0


@pytest.mark.parametrize("native, expected", [(True, "bf16-mixed"), (False, "32-true")])
def test_auto_is_bf16_where_the_cpu_has_bf16_units_and_fp32_elsewhere(monkeypatch, native, expected):
    monkeypatch.setattr(fabric, "native_bf16_cpu", lambda: native)  # the units this CPU may lack
    assert resolve_precision("auto", "cpu") == expected
    assert resolve_precision("32-true", "cpu") == "32-true" and resolve_precision("bf16-mixed", "cpu") == "bf16-mixed"
    assert resolve_precision("auto", "mps") == "32-true"


def test_resolving_keeps_an_explicit_precision_and_says_what_auto_became():
    said = []
    explicit = TaskTrainConfig(runtime=RuntimeConfig(precision="bf16-mixed"))
    assert resolve_runtime(explicit, said.append) is explicit and said == []
    resolved = resolve_runtime(TaskTrainConfig(runtime=RuntimeConfig(precision="auto", accelerator="cpu")), said.append)
    assert resolved.runtime.precision == resolve_precision("auto", "cpu") != "auto"
    assert said == [f"precision auto -> {resolved.runtime.precision} ({describe_cpu()})"]


def test_a_run_records_and_fingerprints_the_resolved_precision(tiny_overrides, tmp_path, capsys):
    """An explicit 32-true run, then the same with auto: on a CPU without bf16 units auto is
    32-true and every network is reused; with them it is bf16-mixed, other inputs, retrained."""
    steps = ["n1.steps=2", "n2.steps=2", "transfer.train.steps=2", "methods=[baseline,atdt]"]
    assert main(["run", "tiny", *tiny_overrides, *steps, "runtime.precision=32-true"]) == 0
    capsys.readouterr()
    assert main(["run", "tiny", *tiny_overrides, *steps, "runtime.precision=auto"]) == 0
    out = capsys.readouterr().out
    resolved = resolve_precision("auto", "cpu")
    assert f"precision auto -> {resolved}" in out
    seed = tmp_path / "runs" / "tiny" / "seed0"
    assert json.loads((seed / "n2" / "fingerprint.json").read_text())["precision"] == resolved
    assert f"precision: {resolved}" in (seed / "config.yaml").read_text()
    assert ("n2: reused" in out) == (resolved == "32-true")
