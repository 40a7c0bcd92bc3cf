"""The fingerprint of a trained network: what changes the weights changes it, nothing else does;
a changed one moves the old run folder aside, never deletes it."""

import os
import shutil
from dataclasses import replace

from atdt.config import DataConfig, NetworkConfig, RuntimeConfig, TrainConfig
from atdt.data import load_dataset
from atdt.engine.reuse import data_key, fingerprint, network_inputs, prepare_run


def _fp(data: DataConfig, train=TrainConfig(), runtime=RuntimeConfig()):
    dataset = load_dataset(data.name, data.root, data.train_split, limit=data.limit)
    return fingerprint(network_inputs("semantic", [data_key(data, dataset)], NetworkConfig(), train, runtime))


def test_only_what_changes_the_weights_changes_the_fingerprint(tiny_world, tmp_path, monkeypatch):
    shutil.copytree(tiny_world / "clean", tmp_path / "data" / "clean")
    data = DataConfig(root=str(tmp_path / "data" / "clean"))
    base = _fp(data)
    monkeypatch.chdir(tmp_path)
    assert _fp(replace(data, root="data/clean")) == base  # one dataset, two spellings
    assert _fp(replace(data, root="./data/../data/clean")) == base
    assert _fp(replace(data, test_split="val", val_split="test")) == base
    assert _fp(data, TrainConfig(log_every=1, ckpt_every=1, num_workers=2)) == base
    assert _fp(data, runtime=RuntimeConfig(progress=False, accelerator="cpu")) == base
    assert _fp(data, TrainConfig(steps=7)) != base
    assert _fp(data, runtime=RuntimeConfig(seed=1)) != base
    assert _fp(data, runtime=RuntimeConfig(sync_batchnorm=True)) != base  # other BN statistics under DDP
    assert _fp(data, runtime=RuntimeConfig(devices=2)) == base  # the processes together train one network
    assert _fp(replace(data, limit=3)) != base
    os.utime(tmp_path / "data/clean/test/image/000000.png", (1, 1))  # evaluation data: not a training input
    assert _fp(data) == base
    os.utime(tmp_path / "data/clean/train/semantic/000000.png", (1, 1))  # a training label rewritten
    assert _fp(data) != base


def test_fingerprints_from_before_sync_batchnorm_counted_stay():
    """Pinned: an N trained before runtime.sync_batchnorm entered the fingerprint (where false) is reused."""
    inputs = network_inputs("semantic", [{"files": "x"}], NetworkConfig(), TrainConfig(), RuntimeConfig())
    assert "sync_batchnorm" not in inputs and fingerprint(inputs) == "034d87fb94e90365"


def test_class_balance_counts_only_where_it_is_on():
    """train.class_balance came later: at 0 the fingerprint is the one before it (pinned above),
    any other value changes it."""
    def fp(balance):
        return fingerprint(network_inputs("semantic", [{"files": "x"}], NetworkConfig(),
                                          TrainConfig(class_balance=balance), RuntimeConfig()))

    assert fp(0.0) == "034d87fb94e90365"
    assert len({fp(0.0), fp(0.5), fp(1.0)}) == 3


def test_a_changed_run_is_moved_aside_and_comes_back(tmp_path):
    run, printed = tmp_path / "n1", []
    old = {"task": "depth", "train": {"steps": 5}}
    prepare_run(run, old, printed.append)
    (run / "checkpoints").mkdir()
    (run / "checkpoints" / "final.ckpt").write_bytes(b"weights")
    assert prepare_run(run, old, printed.append) == fingerprint(old) and printed[-1] == "  n1: reused"
    new = {"task": "depth", "train": {"steps": 6}}
    prepare_run(run, new, printed.append)
    assert "n1: config or inputs changed (train.steps), rerunning" in printed[-2] and printed[-1] == "  n1: training"
    kept = tmp_path / f"n1.{fingerprint(old)}"
    assert (kept / "checkpoints" / "final.ckpt").read_bytes() == b"weights"
    prepare_run(run, old, printed.append)
    assert "restored" in printed[-2] and printed[-1] == "  n1: reused"
    assert (run / "checkpoints" / "final.ckpt").read_bytes() == b"weights"
    assert (tmp_path / f"n1.{fingerprint(new)}").is_dir()


def test_a_change_is_named_when_keys_are_numbers(tmp_path):
    # a stage-keyed setting (G_k per stage) is stored with string keys; comparing it with the
    # new inputs crashed the resume of a study
    run, printed = tmp_path / "g", []
    prepare_run(run, {"stages": {1: {"down": 0}, 2: {"down": 1}}}, printed.append)
    prepare_run(run, {"stages": {1: {"down": 0}, 2: {"down": 0}}}, printed.append)
    assert "g: config or inputs changed (stages.2.down), rerunning" in printed[-2]


def test_an_unmarked_trained_folder_is_kept_too(tmp_path):
    (tmp_path / "run" / "checkpoints").mkdir(parents=True)
    (tmp_path / "run" / "checkpoints" / "final.ckpt").write_bytes(b"weights")
    prepare_run(tmp_path / "run", {"task": "semantic"}, lambda _: None)
    assert (tmp_path / "run.unmarked" / "checkpoints" / "final.ckpt").is_file()
    assert not (tmp_path / "run" / "checkpoints").exists()
