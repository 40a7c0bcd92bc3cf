"""Every nonsense value is refused before anything trains, naming its key; no run folder is made."""

import pytest

from atdt.cli import main


@pytest.mark.parametrize(
    "override, fragment",
    [
        ("name.foo=1", "name: expected a string, got {'foo': 1}"),
        ("seeds=", "seeds: needs at least one seed"),
        ("seeds=0,0", "seeds: must be unique, got [0, 0]"),
        ("n1.steps=-1", "n1.steps: must be >= 1, got -1"),
        ("transfer.train.steps=0", "transfer.train.steps: must be >= 1, got 0"),
        ("n2.batch_size=0", "n2.batch_size: must be >= 1, got 0"),
        ("n1.batch_size=5", "n1.batch_size: 5 must be a multiple of 2"),
        ("n1.optim.schedule=cosine", "n1.optim.schedule: unknown lr schedule 'cosine'"),
        ("task_target=depth", "task_source and task_target must differ"),
        ("task_source=colour", "task_source: unknown task 'colour'"),
        ("network.encoder=vgg", "network.encoder: unknown 'vgg'"),
        ("domain_b.test_split=nope", "domain_b.test_split ('nope' of"),
        ("domain_a.val_split=nope", "domain_a.val_split ('nope' of"),
        ("domain_a.name=kity", "domain_a.name: unknown dataset format 'kity'"),
        ("eval_limit=0", "eval_limit: must be >= 1, got 0"),
        ("name=../outside", "name: must be a relative folder name"),
        ("out=/dev/null", "out: /dev/null is an existing file"),
        ("n1.aux_edges=-0.1", "n1.aux_edges: must be >= 0, got -0.1"),
        ("n1.norm_align=-1", "n1.norm_align: must be >= 0, got -1.0"),
        ("n2.class_balance=-1", "n2.class_balance: must be >= 0, got -1.0"),
        ("transfer.train.class_balance=0.5", "transfer.train.class_balance: G has no classes to balance"),
        ("transfer.down=3", "transfer.down: G's stride-2 layers must be 0, 1 or 2, got 3"),
        ("methods=[]", "methods: needs at least one method; choose from: baseline, atdt, oracle"),
        ("methods=[atdt,atdt]", "methods: must be unique, got ['atdt', 'atdt']"),
        ("seeds=-1", "seeds: a seed must be in 0 .. 4294967295, got -1"),
        ("seeds=[0,4294967296]", "seeds: a seed must be in 0 .. 4294967295, got 4294967296"),
        ("n1.optim.lr=.inf", "n1.optim.lr: expected a finite number, got inf"),
        ("n1.steps=.inf", "n1.steps: expected an integer, got inf"),
        ("n1.num_workers=100000", "n1.num_workers: at most 256 data-loading processes, got 100000"),
        ("out=/dev/null/runs", "out: /dev/null is a file, so /dev/null/runs cannot be made"),
    ],
)
def test_nonsense_is_refused_before_training(tiny_overrides, tmp_path, capsys, override, fragment):
    assert main(["run", "tiny", *tiny_overrides, override]) == 2
    err = capsys.readouterr().err
    assert fragment in err
    assert not (tmp_path / "runs").exists()  # nothing trained, no folder made


def test_a_relative_root_shows_where_it_resolved(tiny_overrides, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["run", "tiny", *tiny_overrides, "domain_a.root=data/nowhere"]) == 2
    err = capsys.readouterr().err
    assert f"resolved against the working directory: {tmp_path / 'data' / 'nowhere'}" in err
    assert not (tmp_path / "runs").exists()


def test_train_task_values_are_checked_before_training(tiny_world, tmp_path, capsys):
    config = tmp_path / "c.yaml"
    config.write_text(f"task: semantic\ndomains: [{{name: world, root: {tiny_world / 'clean'}, val_split: nope}}]\n"
                      f"train: {{steps: 0, batch_size: 4}}\nout: {tmp_path / 'run'}\n")
    assert main(["train-task", str(config)]) == 2
    err = capsys.readouterr().err
    assert "train.steps: must be >= 1, got 0" in err and "domains[0].val_split ('nope'" in err
    assert main(["train-task", str(config), "task=colour"]) == 2
    assert "task: unknown task 'colour'" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("accelerator", ["cpu", "auto"])
def test_sync_batchnorm_on_cpu_processes_is_refused(tiny_overrides, tmp_path, capsys, accelerator):
    """accelerator auto is the CPU where torch finds no CUDA GPU: refused there too, before any
    folder is made (on a machine with one, auto is the GPU and passes)."""
    import torch

    refused = accelerator == "cpu" or not torch.cuda.is_available()
    assert main(["run", "tiny", *tiny_overrides, "runtime.devices=2", f"runtime.accelerator={accelerator}",
                 "runtime.sync_batchnorm=true", "n1.steps=0"]) == 2  # n1.steps=0: stops before training where it passes
    err = capsys.readouterr().err
    assert ("runtime.sync_batchnorm: PyTorch's SyncBatchNorm runs on GPUs only" in err) == refused
    assert "n1.steps: must be >= 1, got 0" in err and not (tmp_path / "runs").exists()


def test_a_config_built_in_code_is_held_to_the_same_numbers(tiny_overrides):
    """Values that never went through YAML (a dataclass built in Python) are checked all the same."""
    import math
    from dataclasses import replace

    from atdt.presets import resolve_experiment
    from atdt.config import ExperimentConfig, TaskTrainConfig
    from atdt.typed_config import ConfigError, load_config
    from atdt.method.validation import validate_experiment
    from atdt.validate import validate_task_training

    cfg = load_config(ExperimentConfig, resolve_experiment("tiny"), tiny_overrides)
    bad = replace(cfg, n2=replace(cfg.n2, optim=replace(cfg.n2.optim, lr=math.inf), aux_edges=math.nan), seeds=(-3,))
    with pytest.raises(ConfigError) as err:
        validate_experiment(bad)
    for words in ("n2.optim.lr: must be a finite number > 0, got inf", "n2.aux_edges: must be >= 0, got nan",
                  "seeds: a seed must be in 0 .. 4294967295, got -3"):
        assert words in str(err.value)
    task = TaskTrainConfig()
    with pytest.raises(ConfigError, match="runtime.seed: a seed must be in 0 .. 4294967295, got -1"):
        validate_task_training(replace(task, runtime=replace(task.runtime, seed=-1)))
