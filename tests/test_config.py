"""Typed configs: YAML + overrides build the dataclasses; anything unknown or mistyped fails loudly."""

import pytest

from atdt.config import ExperimentConfig, TaskTrainConfig, TranslationRunConfig
from atdt.presets import resolve_experiment
from atdt.typed_config import ConfigError, load_config, save_config, to_dict


def test_defaults_round_trip_through_yaml(tmp_path):
    path = tmp_path / "exp.yaml"
    save_config(ExperimentConfig(), path)
    assert load_config(ExperimentConfig, path) == ExperimentConfig()


def test_file_states_only_what_differs_and_overrides_win(tmp_path):
    path = tmp_path / "exp.yaml"
    path.write_text("name: probe\nn1:\n  steps: 250\n  optim:\n    lr: 0.001\n")
    cfg = load_config(ExperimentConfig, path, ["n1.steps=400", "seeds=0,1,2", "n2.crop=[64,64]"])
    assert cfg.name == "probe"
    assert cfg.n1.steps == 400 and cfg.n1.optim.lr == pytest.approx(1e-3)
    assert cfg.n1.batch_size == ExperimentConfig().n1.batch_size  # untouched default
    assert cfg.seeds == (0, 1, 2)
    assert cfg.n2.crop == (64, 64)


def test_base_file_is_merged_under_the_child(tmp_path):
    (tmp_path / "base.yaml").write_text("name: base\nn1:\n  steps: 10\n  batch_size: 4\n")
    (tmp_path / "child.yaml").write_text("base: base.yaml\nn1:\n  steps: 20\n")
    cfg = load_config(ExperimentConfig, tmp_path / "child.yaml")
    assert (cfg.name, cfg.n1.steps, cfg.n1.batch_size) == ("base", 20, 4)


@pytest.mark.parametrize(
    "override, fragment",
    [
        ("n1.stepz=3", "n1.stepz"),
        ("domain_a.rooot=x", "domain_a.rooot"),
        ("colour=red", "colour"),
    ],
)
def test_unknown_keys_fail_naming_the_key_and_the_choices(override, fragment):
    with pytest.raises(ConfigError) as err:
        load_config(ExperimentConfig, None, [override])
    assert fragment in str(err.value)
    assert "valid keys" in str(err.value)


@pytest.mark.parametrize("override", ["n1.steps=many", "n1.steps=2.5", "n1.flip=maybe", "n1.crop=[1,2,3]"])
def test_mistyped_values_fail(override):
    with pytest.raises(ConfigError):
        load_config(ExperimentConfig, None, [override])


def test_the_process_count_is_a_property_no_file_sets():
    """runtime.world_size = devices x nodes, read by validation, the networks' checks and
    make_fabric; it is neither written to a config file nor read from one."""
    cfg = load_config(ExperimentConfig, None, ["runtime.devices=2", "runtime.num_nodes=3"])
    assert cfg.runtime.world_size == 6 and ExperimentConfig().runtime.world_size == 1
    assert "world_size" not in to_dict(cfg)["runtime"]
    with pytest.raises(ConfigError, match="runtime.world_size"):
        load_config(ExperimentConfig, None, ["runtime.world_size=4"])


def test_override_without_equals_fails():
    with pytest.raises(ConfigError, match="key=value"):
        load_config(ExperimentConfig, None, ["n1.steps"])


def test_missing_file_fails(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(ExperimentConfig, tmp_path / "nope.yaml")


def test_list_of_domains_is_typed(tmp_path):
    path = tmp_path / "task.yaml"
    path.write_text("task: depth\ndomains:\n  - {name: world, root: a}\n  - {name: world, root: b, limit: 5}\n")
    cfg = load_config(TaskTrainConfig, path)
    assert [d.root for d in cfg.domains] == ["a", "b"]
    assert cfg.domains[1].limit == 5
    assert to_dict(cfg)["domains"][1]["limit"] == 5
    path.write_text("domains:\n  - {name: world, rot: a}\n")
    with pytest.raises(ConfigError, match="rot"):
        load_config(TaskTrainConfig, path)


def test_a_yaml_syntax_error_names_the_file_and_the_line(tmp_path, capsys):
    from atdt.cli import main

    path = tmp_path / "exp.yaml"
    path.write_text("name: x\nn1:\n  steps: [1,\n  batch_size: 4\n")
    with pytest.raises(ConfigError, match=rf"{path}: invalid YAML: .*line \d+, column \d+"):
        load_config(ExperimentConfig, path)
    assert main(["run", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "<unicode string>" not in err and "Traceback" not in err
    with pytest.raises(ConfigError, match=r"override 'n1.crop=\[1,2': the value is not valid YAML"):
        load_config(ExperimentConfig, None, ["n1.crop=[1,2"])
    path.write_bytes(b"\xff\xfe\x00name")
    with pytest.raises(ConfigError, match="not a text file"):
        load_config(ExperimentConfig, path)


def test_base_chains_that_loop_or_name_no_file_fail(tmp_path):
    (tmp_path / "a.yaml").write_text("base: b.yaml\n")
    (tmp_path / "b.yaml").write_text("base: a.yaml\n")
    with pytest.raises(ConfigError, match=r"b.yaml: base: a.yaml makes a cycle \(.*a.yaml -> .*b.yaml -> .*a.yaml\)"):
        load_config(ExperimentConfig, tmp_path / "a.yaml")
    (tmp_path / "self.yaml").write_text("base: ./self.yaml\n")
    with pytest.raises(ConfigError, match="makes a cycle"):
        load_config(ExperimentConfig, tmp_path / "self.yaml")
    for value in ("3", "[a.yaml, b.yaml]", "{x: 1}", "''"):
        (tmp_path / "odd.yaml").write_text(f"base: {value}\n")
        with pytest.raises(ConfigError, match="odd.yaml: base: must name a YAML file"):
            load_config(ExperimentConfig, tmp_path / "odd.yaml")
    (tmp_path / "lost.yaml").write_text("base: gone.yaml\n")
    with pytest.raises(ConfigError, match=r"gone.yaml does not exist \(the base of .*lost.yaml\)"):
        load_config(ExperimentConfig, tmp_path / "lost.yaml")


@pytest.mark.parametrize("override, fragment", [
    ("n1.steps=.inf", "n1.steps: expected an integer, got inf"),
    ("n1.steps=.nan", "n1.steps: expected an integer, got nan"),
    ("n1.batch_size=1e400", "n1.batch_size: expected an integer, got '1e400'"),
    ("n1.steps=100000000000000000000", "n1.steps: expected an integer in the int64 range"),
    ("seeds=[0,-100000000000000000000]", "seeds[1]: expected an integer in the int64 range"),
    ("n1.optim.lr=.inf", "n1.optim.lr: expected a finite number, got inf"),
    ("n1.optim.lr=.nan", "n1.optim.lr: expected a finite number, got nan"),
    ("n1.aux_edges=-.inf", "n1.aux_edges: expected a finite number, got -inf"),
    ("translate.train.lr=1e400", "translate.train.lr: expected a finite number, got '1e400'"),
])
def test_numbers_that_are_not_finite_or_too_big_fail_naming_the_key(override, fragment):
    with pytest.raises(ConfigError) as err:
        load_config(ExperimentConfig, None, [override])
    assert fragment in str(err.value)


def test_experiment_translation_defaults_are_the_translate_demo_preset():
    demo = load_config(TranslationRunConfig, resolve_experiment("translate_demo"))
    ours = ExperimentConfig().translate
    assert (ours.network, ours.train, ours.seed) == (demo.network, demo.train, None)
