"""Train one dense task network on one or more domains (the building block of AT/DT steps 1-2
and of the Oracle), and load trained ones back from their run folders; `atdt train-task` as one
function (``train_and_score``)."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from atdt.auxiliary import edge_loss, norm_discrepancy
from atdt.config import NetworkConfig, RuntimeConfig, TaskTrainConfig, TrainConfig
from atdt.data import open_split
from atdt.data.io import write_text
from atdt.data.mixed import MixedSampler, TrainingSet
from atdt.engine.checkpoint import load_finished, network_to_build, stored_network
from atdt.engine.evaluate import evaluate
from atdt.engine.fabric import make_fabric, rank_zero_result
from atdt.engine.lock import folder_lock
from atdt.engine.loop import fit
from atdt.engine.machine import resolve_runtime
from atdt.engine.reuse import data_key, network_inputs, prepare_run
from atdt.engine.training_log import task_preview
from atdt.networks import TaskNetwork, build_task_network
from atdt.tasks import Task, get_task


def task_term(task: Task, class_balance: float = 0.0):
    """(raw, batch) -> the task's loss, its classes weighted by ``class_balance`` (tasks.semantic_loss)."""
    if not class_balance:
        return task.loss
    if task.balanced_loss is None:
        raise ValueError(f"train.class_balance: task {task.name} has no classes to balance")
    return lambda raw, batch: task.balanced_loss(raw, batch, class_balance)


def task_loss(task: Task, *, aux_edges: float = 0.0, norm_align: float = 0.0, class_balance: float = 0.0):
    """The task's loss (its classes balanced by ``class_balance``), plus the optional auxiliary edge
    and feature-norm terms (atdt.auxiliary)."""
    term = task_term(task, class_balance)
    if not aux_edges and not norm_align:
        def loss_fn(model, batch):
            return term(model(batch["image"]), batch), {}

        return loss_fn

    def loss_fn_extras(model, batch):
        out = model(batch["image"], extras=True)
        loss = term(out["out"], batch)
        logs = {"task_loss": loss.detach()}
        if aux_edges:
            edges = edge_loss(out["edges"], batch["image"])
            loss, logs["edge_loss"] = loss + aux_edges * edges, edges.detach()
        if norm_align:
            gap = norm_discrepancy(out["features"], batch["domain"])
            loss, logs["norm_gap"] = loss + norm_align * gap, gap.detach()
        return loss, logs

    return loss_fn_extras


def train_task_network(task: str, datasets: list, *, network: NetworkConfig, train: TrainConfig,
                       runtime: RuntimeConfig, run_dir, config=None, fabric=None, desc: str | None = None) -> TaskNetwork:
    """Train N for ``task`` on ``datasets`` (several = one shared network, every batch holding
    equal shares of each domain). Resumes from the run folder; returns the network in eval mode.
    Its TensorBoard events show, at each checkpoint and at the end, its prediction on the first
    image of each domain beside the image and the label."""
    fabric = fabric or make_fabric(runtime)
    spec = get_task(task)
    torch.manual_seed(runtime.seed)  # the init depends on the seed alone, not on what ran before
    model = build_task_network(network_to_build(network, run_dir), spec.out_channels, aux_edges=train.aux_edges > 0)
    data = TrainingSet(datasets, (spec.label_key,), crop=train.crop, flip=train.flip, photometric=train.photometric)
    record = config if config is not None else {"task": task, "network": network, "train": train}
    loss_fn = task_loss(spec, aux_edges=train.aux_edges, norm_align=train.norm_align, class_balance=train.class_balance)
    fit_on_domains(model, loss_fn, data, train=train, seed=runtime.seed, run_dir=run_dir, fabric=fabric,
                   config=record, desc=desc or f"train {task}", progress=runtime.progress,
                   channels_last=runtime.channels_last, sync_batchnorm=runtime.sync_batchnorm,
                   preview=task_preview(spec, datasets))
    return model.eval()


def fit_on_domains(model, loss_fn, data, *, train: TrainConfig, seed: int, run_dir, fabric, config, desc: str,
                   progress: bool, channels_last: bool, sync_batchnorm: bool = False, preview=None) -> None:
    """``fit`` with the settings of ``train`` on a multi-domain training set: every batch holds
    equal shares of each domain, and under DDP each process takes batch_size / world_size of it."""
    sampler = MixedSampler(data.sizes, train.batch_size // fabric.world_size, seed=seed,
                           rank=fabric.global_rank, world_size=fabric.world_size)
    fit(fabric, model, loss_fn, data, steps=train.steps, batch_size=sampler.batch_size, optim=train.optim,
        run_dir=run_dir, sampler=sampler, config=config, desc=desc, log_every=train.log_every,
        ckpt_every=train.ckpt_every, num_workers=train.num_workers, progress=progress, channels_last=channels_last,
        sync_batchnorm=sync_batchnorm, preview=preview)


def load_task_network(run_dir) -> tuple[TaskNetwork, Task, dict]:
    """Rebuild a trained network (CPU, eval mode) from ``run_dir/checkpoints/final.ckpt``, whose
    config travels inside; returns (network, task, config)."""
    def build(config):
        aux = float(dict(config.get("train") or {}).get("aux_edges", 0.0)) > 0
        return build_task_network(stored_network(config["network"]), get_task(config["task"]).out_channels, aux_edges=aux)

    model, config = load_finished(run_dir, "a finished task network", build)
    return model, get_task(config["task"]), config


def train_and_score(cfg: TaskTrainConfig, run_dir, print_fn=print, wait: bool = False) -> dict | None:
    """`atdt train-task` once its config is checked: open the training splits, fingerprint them with
    the settings (the reuse rule of `atdt run`: a folder trained on other data, task or settings is
    moved aside), train or resume in ``run_dir``, score the network on each domain's validation
    split that carries the task's labels and write them to metrics.json. Returns the scores by
    ``<domain>/<split>`` on rank 0 (under DDP the other processes, started by ``make_fabric``, get None).
    ``run_dir`` is locked meanwhile (``atdt.engine.lock``): another run into it refuses, or with
    ``wait`` waits for this one to end."""
    run_dir = Path(run_dir)
    cfg = resolve_runtime(cfg, print_fn)  # precision auto: what this machine computes natively
    with folder_lock(run_dir, wait=wait, print_fn=print_fn):
        return _train_and_score(cfg, run_dir, print_fn)


def _train_and_score(cfg: TaskTrainConfig, run_dir: Path, print_fn) -> dict | None:
    task = get_task(cfg.task)
    datasets = [open_split(d, d.train_split, train=True) for d in cfg.domains]
    inputs = network_inputs(cfg.task, [data_key(d, ds) for d, ds in zip(cfg.domains, datasets)], cfg.network,
                            cfg.train, cfg.runtime)
    # under DDP make_fabric starts the other processes (each runs the command again); rank 0 alone
    # moves or marks the run folder
    fabric = make_fabric(cfg.runtime)
    rank_zero_result(fabric, lambda: prepare_run(run_dir, inputs, print_fn))
    model = train_task_network(cfg.task, datasets, network=cfg.network, train=cfg.train, runtime=cfg.runtime,
                               run_dir=run_dir, config=cfg, fabric=fabric)
    if not fabric.is_global_zero:
        return None
    metrics = {}
    for d in cfg.domains:
        val = open_split(d, d.val_split)
        if task.label_key in val.labels:
            metrics[f"{val.domain}/{d.val_split}"] = evaluate(model.to(fabric.device), val, task, device=fabric.device,
                                                               progress=cfg.runtime.progress, split=d.val_split)
    write_text(run_dir / "metrics.json", json.dumps(metrics, indent=2))
    return metrics
