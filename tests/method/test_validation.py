"""An experiment's validation: every problem at once, only the networks the chosen methods need
checked (each by its type: G's batch split over processes, CycleGAN's settings and crop)."""

import pytest

from atdt.cli import main
from atdt.config import ExperimentConfig
from atdt.presets import resolve_experiment
from atdt.typed_config import load_config


def test_translation_settings_are_checked_only_when_a_method_needs_them(tiny_overrides, tmp_path, capsys):
    bad = ["translate.train.steps=0", "translate.network.width=0", "translate.seed=-1", "translate.train.crop=[64,64]"]
    assert main(["run", "tiny", *tiny_overrides, *bad, "methods=[baseline,cyclegan]", "runtime.devices=2"]) == 2
    err = capsys.readouterr().err
    for fragment in ("translate.train.steps: must be >= 1", "translate.network.width: must be >= 1",
                     "translate.seed: a seed must be in 0 .. 4294967295",
                     "runtime.devices: CycleGAN (translation) trains on one device"):
        assert fragment in err
    assert main(["run", "tiny", *tiny_overrides, "translate.train.crop=[64,64]", "methods=[cyclegan]"]) == 2
    assert "translate.train.crop [64, 64] is larger than the images" in capsys.readouterr().err
    assert not (tmp_path / "runs").exists()
    cfg = load_config(ExperimentConfig, resolve_experiment("tiny"), [*tiny_overrides, *bad, "methods=[baseline]"])
    from atdt.method.validation import validate_experiment

    validate_experiment(cfg)  # the Baseline alone trains no CycleGAN: its settings do not matter


def test_every_problem_is_listed_at_once(tiny_overrides, tmp_path, capsys):
    assert main(["run", "tiny", *tiny_overrides, "n1.steps=0", "n2.steps=0", "domain_b.test_split=nope"]) == 2
    err = capsys.readouterr().err
    assert "n1.steps" in err and "n2.steps" in err and "domain_b.test_split" in err


def test_a_problem_of_a_block_several_networks_share_is_listed_once(tiny_overrides, capsys):
    """g and g_stages share the transfer block, n1_a and n1_b the n1 block: each problem once."""
    from atdt.method.methods import METHODS, networks_for

    # the G_k check only what is their own: the transfer block is g's, which comes with them
    assert all("g" in networks_for([m]) for m in METHODS if "g_stages" in networks_for([m]))
    assert main(["run", "tiny", *tiny_overrides, "network.skips=true", "transfer.layers=0", "transfer.train.steps=0",
                 "n1.steps=0", "methods=[atdt_multiscale,atdt_separate_n1]"]) == 2
    err = capsys.readouterr().err
    for line in ("  - transfer.layers: must be >= 5, got 0\n", "  - transfer.train.steps: must be >= 1, got 0\n",
                 "  - n1.steps: must be >= 1, got 0\n"):
        assert err.count(line) == 1, err


def test_only_the_networks_the_methods_need_are_checked(tiny_overrides):
    from atdt.presets import resolve_experiment
    from atdt.config import ExperimentConfig
    from atdt.typed_config import ConfigError, load_config
    from atdt.method.validation import validate_experiment

    unused = ["n1.steps=0", "transfer.train.steps=0", "oracle.batch_size=0", "domain_b.train_split=nope"]
    validate_experiment(load_config(ExperimentConfig, resolve_experiment("tiny"), [*tiny_overrides, *unused,
                                                                                    "methods=[baseline]"]))
    with pytest.raises(ConfigError) as err:
        validate_experiment(load_config(ExperimentConfig, resolve_experiment("tiny"), [*tiny_overrides, *unused]))
    for key in ("n1.steps", "transfer.train.steps", "oracle.batch_size", "domain_b.train_split"):
        assert key in str(err.value)


def test_g_batches_are_split_over_processes(tiny_overrides, capsys):
    assert main(["run", "tiny", *tiny_overrides, "runtime.devices=2", "transfer.train.batch_size=5"]) == 2
    assert "transfer.train.batch_size: 5 must be a multiple of 2" in capsys.readouterr().err
