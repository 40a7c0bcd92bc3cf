"""YAML is read with bounded resources: aliases that would expand beyond MAX_YAML_NODES values,
or refer to themselves, are refused naming the file before anything expands them, wherever the
YAML comes from (an experiment file, a base file, an override, a study file)."""

import subprocess
import sys

import pytest

from atdt.config import ExperimentConfig
from atdt.typed_config import MAX_YAML_NODES, ConfigError, finite_positive, load_config, load_yaml


def _laughs(levels: int = 9, key: str = "network:\n  decoder_channels") -> str:
    """A few hundred bytes whose aliases expand to 9**levels values (a "billion laughs")."""
    lines = ["l0: &l0 [1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    return "\n".join(lines) + f"\n{key}: [" + ", ".join([f"*l{levels - 1}"] * 9) + "]\n"


def test_a_billion_laughs_under_a_known_key_is_refused_at_once_naming_the_file(tmp_path):
    path = tmp_path / "laughs.yaml"
    path.write_text(_laughs())
    assert path.stat().st_size < 600
    # a real process: before, this ran for a minute and died with MemoryError
    done = subprocess.run([sys.executable, "-m", "atdt", "run", str(path)], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 2, done.stderr[-2000:]
    assert f"{path}: its YAML aliases expand to more than {MAX_YAML_NODES} values" in done.stderr
    base = tmp_path / "child.yaml"  # through a base file too
    base.write_text("base: laughs.yaml\n")
    with pytest.raises(ConfigError, match="laughs.yaml: its YAML aliases expand"):
        load_config(ExperimentConfig, base)


def test_overrides_and_studies_are_bounded_too(tmp_path):
    flow = "[" + ", ".join(["&a [1, 1, 1, 1, 1, 1, 1, 1, 1]"] + [f"&a{i} [" + ", ".join([f"*a{i - 1}" if i > 1 else "*a"] * 9)
                                                                   + "]" for i in range(1, 9)]) + "]"
    with pytest.raises(ConfigError, match="override 'network.decoder_channels=.*expand to more than"):
        load_config(ExperimentConfig, None, [f"network.decoder_channels={flow}"])
    study = tmp_path / "s.yaml"
    study.write_text(_laughs(key="points"))
    from atdt.method.study_file import load_study

    with pytest.raises(ConfigError, match=f"{study}: its YAML aliases expand"):
        load_study(study)


def test_recursive_aliases_are_refused_and_shared_ones_still_work():
    with pytest.raises(ConfigError, match="x.yaml: a YAML alias refers to a value that contains it"):
        load_yaml("domain_a:\n  options: &o {again: *o}\n", "x.yaml")
    with pytest.raises(ConfigError, match="deep.yaml: YAML nested too deeply"):  # 20 KB of brackets
        load_yaml("a: " + "[" * 10_000 + "]" * 10_000, "deep.yaml")
    assert load_yaml("a: &d {name: world}\nb: *d\nc: {<<: *d, root: x}\n", "ok.yaml") == {
        "a": {"name": "world"}, "b": {"name": "world"}, "c": {"name": "world", "root": "x"}}
    assert load_yaml(_laughs(levels=4), "small.yaml")["network"]["decoder_channels"][0][0][0][0] == [1] * 9


@pytest.mark.parametrize("value, ok", [(1, True), (2.5, True), (1e-300, True), (0, False), (0.0, False), (-1.0, False),
                                       (float("nan"), False), (float("inf"), False), (True, False), ("2", False),
                                       (None, False)])
def test_finite_positive_is_the_rule_of_every_factor_and_rate(value, ok):
    """One predicate behind learning rates (validate), depth scales (evaluate.predict, a predictor's
    meta) and --depth-scale: a bool or a string is not a number, nan and inf are not finite."""
    assert finite_positive(value) is ok
