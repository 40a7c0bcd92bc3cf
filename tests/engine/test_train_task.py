"""`atdt train-task` as one function (train_and_score): train, score the validation splits that
carry the task's labels, write metrics.json; a second call reuses the network; a changed setting
moves the folder aside. And the task loss with its auxiliary terms."""

import json

import pytest
import torch

from atdt.config import DataConfig, NetworkConfig, OptimConfig, RuntimeConfig, TaskTrainConfig, TrainConfig
from atdt.data import load_dataset
from atdt.engine import evaluate, load_task_network
from atdt.engine.reuse import MARKER
from atdt.engine.train_task import task_loss, train_and_score
from atdt.networks import build_task_network
from atdt.tasks import get_task
from scores import same_scores


def _config(world, **train) -> TaskTrainConfig:
    # both domains' validation splits carry depth labels, so both are scored
    domains = (DataConfig(root=str(world / "clean")), DataConfig(root=str(world / "camera")))
    return TaskTrainConfig(task="depth", domains=domains, network=NetworkConfig(decoder_channels=(8, 8, 8)),
                           train=TrainConfig(steps=2, batch_size=2, log_every=1, **train),
                           runtime=RuntimeConfig(accelerator="cpu", progress=False))


def test_train_and_score_writes_the_scores_and_reuses_the_network(tiny_world, tmp_path):
    cfg, run = _config(tiny_world), tmp_path / "run"
    printed = []
    scores = train_and_score(cfg, run, printed.append)
    assert set(scores) == {"world/clean/val", "world/camera/val"}
    assert json.loads((run / "metrics.json").read_text()) == json.loads(json.dumps(scores))
    model, task, _ = load_task_network(run)
    val = load_dataset("world", tiny_world / "camera", "val")
    assert same_scores(evaluate(model, val, task, device="cpu", progress=False), scores["world/camera/val"])
    fingerprint = (run / MARKER).read_text()
    again = []
    assert train_and_score(cfg, run, again.append) == json.loads(json.dumps(scores))
    assert any("reused" in line for line in again) and (run / MARKER).read_text() == fingerprint
    moved = []
    train_and_score(_config(tiny_world, optim=OptimConfig(lr=0.01)), run, moved.append)
    assert any("config or inputs changed (train.optim.lr)" in line for line in moved)
    assert (tmp_path / f"run.{fingerprint.strip()}").is_dir()  # the earlier network kept aside


def test_task_loss_adds_the_auxiliary_terms_only_when_weighted():
    torch.manual_seed(0)
    task = get_task("semantic")
    model = build_task_network(NetworkConfig(decoder_channels=(8, 8, 8)), task.out_channels, aux_edges=True)
    batch = {"image": torch.rand(2, 3, 32, 64), "semantic": torch.randint(0, 11, (2, 32, 64)),
             "domain": torch.tensor([0, 1])}
    plain, logs = task_loss(task)(model, batch)
    assert logs == {} and plain.item() == pytest.approx(task.loss(model(batch["image"]), batch).item())
    total, logs = task_loss(task, aux_edges=0.5, norm_align=0.25)(model, batch)
    assert set(logs) == {"task_loss", "edge_loss", "norm_gap"}
    expected = logs["task_loss"] + 0.5 * logs["edge_loss"] + 0.25 * logs["norm_gap"]
    assert total.item() == pytest.approx(expected.item(), rel=1e-5)
    balanced, _ = task_loss(task, class_balance=1.0)(model, batch)
    assert balanced.item() == pytest.approx(task.balanced_loss(model(batch["image"]), batch, 1.0).item(), rel=1e-6)
    with pytest.raises(ValueError, match="train.class_balance: task depth has no classes to balance"):
        task_loss(get_task("depth"), class_balance=0.5)
