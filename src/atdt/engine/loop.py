"""The one training loop of atdt (N1, N2, the Oracle, G, the studies' variants and CycleGAN all
train here), on Lightning Fabric.

What one step does is a ``TrainingStep`` (atdt.engine.step): ``fit`` trains with one loss, one
Adam and one schedule; CycleGAN brings a step with two optimisers and its image pools. Everything
else happens here, once: deterministic data order and augmentations from the seed; checkpoints
every ``ckpt_every`` steps restore model, every optimiser and schedule, the step's own state,
data position and RNG, so a killed run resumes and ends with the weights an uninterrupted run
would have; logs, previews, the NaN guard, DDP replica checks and the final sealed checkpoint.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch.utils.data import DataLoader

from atdt.config import OptimConfig
from atdt.engine.checkpoint import final_checkpoint, is_finished, last_checkpoint, load_checkpoint, save_checkpoint
from atdt.engine.fabric import rank_zero_result
from atdt.engine.replicas import check_replicas, sync_buffers
from atdt.engine.step import LossStep, TrainingStep
from atdt.engine.training_log import TrainingLog, render_preview
from atdt.typed_config import save_config, to_dict


class NonFiniteLoss(RuntimeError):
    pass


def _loader(dataset, sampler, batch_size, num_workers, collate_fn):
    """One loader for the whole training: its workers start once, not every epoch (augmentations
    draw from the seeds the sampler yields, so no worker holds random state)."""
    return DataLoader(dataset, batch_size=batch_size, sampler=sampler, drop_last=True, num_workers=num_workers,
                      collate_fn=collate_fn, persistent_workers=num_workers > 0)


def _speed(seconds: float, fabric) -> dict:
    """The log's last columns: training seconds so far (resumed runs count their earlier
    seconds) and, on a GPU, the peak memory this training has allocated on its device."""
    row = {"seconds": round(seconds, 3)}
    if fabric.device.type == "cuda":
        row["max_memory_gib"] = round(torch.cuda.max_memory_allocated(fabric.device) / 2**30, 3)
    return row


def _mean_logs(fabric, logs: dict) -> dict:
    """The step's other logged values (task_loss, edge_loss, ...) as numbers; under DDP, as the
    loss, the mean over the processes (one all-reduce for them all), not rank 0's own."""
    values = [float(v) for v in logs.values()]
    if fabric.world_size > 1 and values:
        values = fabric.all_reduce(torch.tensor(values, device=fabric.device), reduce_op="mean").tolist()
    return dict(zip(logs, values))


def fit(fabric, model: torch.nn.Module, loss_fn: Callable, dataset, *, steps: int, batch_size: int,
        optim: OptimConfig, run_dir, sampler, parameters=None, **settings) -> dict:
    """Train ``model`` for ``steps`` optimiser steps; loss_fn(model, batch) -> (loss, logs),
    minimised by Adam with ``optim``'s settings and schedule (``LossStep``) over ``parameters``
    (default: all trainable parameters). ``settings``: those of ``train_steps``."""
    return train_steps(fabric, model, LossStep(loss_fn, optim, steps, parameters), dataset, steps=steps,
                       batch_size=batch_size, run_dir=run_dir, sampler=sampler, **settings)


def _to_device(fabric, batch: dict, channels_last: bool) -> dict:
    batch = fabric.to_device(batch)
    if channels_last:
        batch = {k: v.contiguous(memory_format=torch.channels_last) if torch.is_tensor(v) and v.dim() == 4 else v
                 for k, v in batch.items()}
    return batch


def _resume(path: Path, model, states: dict, step: TrainingStep, device) -> tuple[int, float]:
    """Load ``last.ckpt`` into the model, the optimisers and schedules (``states``: by their names
    in the file) and the step; restore the RNG. Returns (step, training seconds so far)."""
    state = load_checkpoint(path)
    model.load_state_dict(state["model"])
    for name, obj in states.items():
        obj.load_state_dict(state[name])
    step.load_state_dict(state, device)
    if "rng" in state:  # CycleGAN's checkpoints from before the one loop have none (it draws from (seed, step))
        torch.set_rng_state(state["rng"])
    return state["step"], state.get("seconds", 0.0)


def train_steps(fabric, model: torch.nn.Module, step: TrainingStep, dataset, *, steps: int, batch_size: int,
                run_dir, sampler, config=None, final_extras: dict | None = None, desc: str = "train",
                log_every: int = 10, ckpt_every: int = 200, num_workers: int = 0, collate_fn=None,
                progress: bool = True, channels_last: bool = False, sync_batchnorm: bool = False,
                preview: Callable | None = None) -> dict:
    """Train ``model`` for ``steps`` steps of ``step`` on batches of ``dataset`` (a finished run
    folder is loaded instead, an interrupted one resumes).

    ``sampler`` must offer ``set_position(epoch, start_batch)`` and ``batches_per_epoch``
    (atdt.data.mixed.MixedSampler). ``channels_last`` trains in NHWC memory format (model and
    every 4-D batch tensor). Under DDP, ``sync_batchnorm`` computes batch-norm statistics over the
    global batch (GPUs); either way every process ends holding the weights and buffers rank 0
    saves (``replicas``). Logs go to ``run_dir/logs`` (train.csv and TensorBoard events,
    atdt.engine.training_log); ``preview(model) -> {tag: uint8 HxWx3}`` adds images there at each
    checkpoint and at the end. ``final.ckpt`` holds the weights, ``config``, the step count, the
    summary and ``final_extras``. Returns {"steps", "final_loss", "seconds", "checkpoint"}.
    """
    from tqdm import tqdm

    run_dir = Path(run_dir)
    final_path = final_checkpoint(run_dir)
    last_path = last_checkpoint(run_dir)
    if is_finished(run_dir):  # this network is trained: load and return
        payload = load_checkpoint(final_path)
        model.load_state_dict(payload["model"])
        return payload["summary"]
    if config is not None:
        rank_zero_result(fabric, lambda: save_config(config, run_dir / "config.yaml"))

    if sync_batchnorm and fabric.world_size > 1:
        if fabric.device.type != "cuda":
            raise ValueError("runtime.sync_batchnorm: PyTorch's SyncBatchNorm runs on GPUs only; on CPU processes "
                             "leave it false (batch norm then keeps rank 0's statistics)")
        model = torch.nn.SyncBatchNorm.convert_sync_batchnorm(model)  # replaces the BN layers in place
    raw_model = model
    # on the device before the optimisers exist: a resumed Adam state is then loaded onto the
    # parameters' device (fabric.setup moves the model, not the optimisers' state)
    model.to(fabric.device)
    if channels_last:
        model.to(memory_format=torch.channels_last)
    optimizers, schedulers = step.configure(model)
    k, elapsed = 0, 0.0
    if last_path.is_file():
        k, elapsed = _resume(last_path, raw_model, {**optimizers, **schedulers}, step, fabric.device)
    model, *wrapped = fabric.setup(model, *optimizers.values())
    optimizers = dict(zip(optimizers, wrapped))
    model.train()
    if fabric.device.type == "cuda":  # the logged peak is this network's, not an earlier one's in this process
        torch.cuda.reset_peak_memory_stats(fabric.device)

    per_epoch, first_schedule = sampler.batches_per_epoch, next(iter(schedulers.values()))
    log = TrainingLog(run_dir, step=k, enabled=fabric.is_global_zero)
    bar = tqdm(total=steps, initial=k, desc=desc, unit="step", file=sys.stderr, dynamic_ncols=True,
               disable=not (progress and fabric.is_global_zero))
    start, loss_value = time.perf_counter(), math.nan
    loader = _loader(dataset, sampler, batch_size, num_workers, collate_fn)
    while k < steps:
        sampler.set_position(k // per_epoch, k % per_epoch)
        for batch in loader:
            loss, logs = step(fabric, model, optimizers, _to_device(fabric, batch, channels_last), k)
            for scheduler in schedulers.values():
                scheduler.step()
            k += 1
            if k % log_every == 0 or k == steps:
                # one sync per log interval, not per step; under DDP the mean over the processes
                loss_value = float(fabric.all_reduce(loss.detach(), reduce_op="mean"))
                if not math.isfinite(loss_value):
                    where = f"last good checkpoint: {last_path}" if last_path.is_file() else "no checkpoint yet"
                    raise NonFiniteLoss(f"{desc}: {step.loss_name} became {loss_value} at step {k}; stopping "
                                        f"({where}). {step.advice}")
                logged = _mean_logs(fabric, logs)  # every process: a collective under DDP
                if fabric.is_global_zero:
                    log.row({"step": k, step.loss_name: loss_value, "lr": first_schedule.get_last_lr()[0], **logged,
                             **_speed(elapsed + time.perf_counter() - start, fabric)})
                bar.set_postfix({step.loss_name: f"{loss_value:.4f}"})
            bar.update()
            if k % ckpt_every == 0 and k < steps:
                def save_last(k=k):
                    if preview is not None:
                        log.images(render_preview(preview, raw_model, fabric), k)
                    save_checkpoint(last_path, {
                        "model": raw_model.state_dict(), **{n: o.state_dict() for n, o in optimizers.items()},
                        **{n: s.state_dict() for n, s in schedulers.items()}, **step.state_dict(), "step": k,
                        "rng": torch.get_rng_state(), "seconds": elapsed + time.perf_counter() - start,
                    })

                rank_zero_result(fabric, save_last)  # the others wait; a failure (a full disk) stops them all
            if k >= steps:
                break
    bar.close()
    if fabric.world_size > 1:  # the one network every process holds: rank 0's, the one it saves
        check_replicas(fabric, {desc: dict(raw_model.named_parameters())}, what="parameters after training")
        sync_buffers(fabric, raw_model)
    summary = {"steps": steps, "final_loss": loss_value, "seconds": elapsed + time.perf_counter() - start,
               "checkpoint": str(final_path)}

    def save_final():
        if preview is not None:
            log.images(render_preview(preview, raw_model, fabric), steps)
        log.close()
        save_checkpoint(final_path, {"model": raw_model.state_dict(), **(final_extras or {}), "step": steps,
                                     "config": to_dict(config) if config is not None else None,
                                     "summary": summary}, seal=True)
        last_path.unlink(missing_ok=True)

    rank_zero_result(fabric, save_final)
    return summary
