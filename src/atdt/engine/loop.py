"""The one training loop of atdt (N1, N2, the Oracle and G all train here), on Lightning Fabric.

Deterministic data order and augmentations from the seed; checkpoints every ``ckpt_every``
steps restore model, optimiser, schedule, data position and RNG, so a killed run resumes and
ends with the weights an uninterrupted run would have.
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
from atdt.engine.checkpoint import final_checkpoint, is_finished, load_checkpoint, save_checkpoint
from atdt.engine.replicas import check_replicas, sync_buffers
from atdt.engine.schedule import lr_factor
from atdt.engine.training_log import TrainingLog, render_preview
from atdt.typed_config import save_config


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


def fit(fabric, model: torch.nn.Module, loss_fn: Callable, dataset, *, steps: int, batch_size: int,
        optim: OptimConfig, run_dir, sampler, config=None, desc: str = "train", log_every: int = 10,
        ckpt_every: int = 200, num_workers: int = 0, collate_fn=None, progress: bool = True,
        parameters=None, channels_last: bool = False, sync_batchnorm: bool = False,
        preview: Callable | None = None) -> dict:
    """Train ``model`` for ``steps`` optimiser steps; loss_fn(model, batch) -> (loss, logs).

    ``sampler`` must offer ``set_position(epoch, start_batch)`` and ``batches_per_epoch``
    (atdt.data.mixed.MixedSampler). ``parameters`` defaults to all trainable parameters.
    ``channels_last`` trains in NHWC memory format (model and every 4-D batch tensor).
    Under DDP, ``sync_batchnorm`` computes batch-norm statistics over the global batch (GPUs);
    either way every process ends holding the weights and buffers rank 0 saves (``replicas``).
    Logs go to ``run_dir/logs`` (train.csv and TensorBoard events, atdt.engine.training_log);
    ``preview(model) -> {tag: uint8 HxWx3}`` adds images there at each checkpoint and at the end.
    Returns {"steps", "final_loss", "seconds", "checkpoint"}.
    """
    from tqdm import tqdm

    run_dir = Path(run_dir)
    final_path = final_checkpoint(run_dir)
    last_path = final_path.with_name("last.ckpt")
    if is_finished(run_dir):  # this network is trained: load and return
        payload = load_checkpoint(final_path)
        model.load_state_dict(payload["model"])
        return payload["summary"]
    if config is not None and fabric.is_global_zero:
        run_dir.mkdir(parents=True, exist_ok=True)
        save_config(config, run_dir / "config.yaml")

    if sync_batchnorm and fabric.world_size > 1:
        if fabric.device.type != "cuda":
            raise ValueError("runtime.sync_batchnorm: PyTorch's SyncBatchNorm runs on GPUs only; on CPU processes "
                             "leave it false (batch norm then keeps rank 0's statistics)")
        model = torch.nn.SyncBatchNorm.convert_sync_batchnorm(model)  # replaces the BN layers in place
    raw_model = model
    # on the device before the optimiser exists: a resumed Adam state is then loaded onto the
    # parameters' device (fabric.setup moves the model, not the optimiser's state)
    model.to(fabric.device)
    if channels_last:
        model.to(memory_format=torch.channels_last)
    params = [p for p in (parameters if parameters is not None else model.parameters()) if p.requires_grad]
    optimizer = torch.optim.Adam(params, lr=optim.lr, betas=(optim.beta1, 0.999), weight_decay=optim.weight_decay)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_factor(optim.schedule, steps, optim.power))
    step, elapsed = 0, 0.0
    if last_path.is_file():
        state = load_checkpoint(last_path)
        raw_model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        step, elapsed = state["step"], state.get("seconds", 0.0)
        torch.set_rng_state(state["rng"])
    model, optimizer = fabric.setup(model, optimizer)
    model.train()
    if fabric.device.type == "cuda":  # the logged peak is this network's, not an earlier one's in this process
        torch.cuda.reset_peak_memory_stats(fabric.device)

    per_epoch = sampler.batches_per_epoch
    log = TrainingLog(run_dir, step=step, enabled=fabric.is_global_zero)
    bar = tqdm(total=steps, initial=step, desc=desc, unit="step", file=sys.stderr, dynamic_ncols=True,
               disable=not (progress and fabric.is_global_zero))
    start, loss_value = time.perf_counter(), math.nan
    loader = _loader(dataset, sampler, batch_size, num_workers, collate_fn)
    while step < steps:
        sampler.set_position(step // per_epoch, step % per_epoch)
        for batch in loader:
            batch = fabric.to_device(batch)
            if channels_last:
                batch = {k: v.contiguous(memory_format=torch.channels_last) if torch.is_tensor(v) and v.dim() == 4 else v
                         for k, v in batch.items()}
            loss, logs = loss_fn(model, batch)
            optimizer.zero_grad(set_to_none=True)
            fabric.backward(loss)
            optimizer.step()
            scheduler.step()
            step += 1
            if step % log_every == 0 or step == steps:
                # one sync per log interval, not per step; under DDP the mean over the processes
                loss_value = float(fabric.all_reduce(loss.detach(), reduce_op="mean"))
                if not math.isfinite(loss_value):
                    where = f"last good checkpoint: {last_path}" if last_path.is_file() else "no checkpoint yet"
                    raise NonFiniteLoss(f"{desc}: loss became {loss_value} at step {step}; stopping ({where}). "
                                        "Lower the learning rate or check the labels.")
                if fabric.is_global_zero:
                    row = {"step": step, "loss": loss_value, "lr": scheduler.get_last_lr()[0],
                           **{k: float(v) for k, v in logs.items()}, **_speed(elapsed + time.perf_counter() - start, fabric)}
                    log.row(row)
                bar.set_postfix(loss=f"{loss_value:.4f}")
            bar.update()
            if step % ckpt_every == 0 and step < steps:
                if fabric.is_global_zero:
                    if preview is not None:
                        log.images(render_preview(preview, raw_model, fabric), step)
                    save_checkpoint(last_path, {
                        "model": raw_model.state_dict(), "optimizer": optimizer.state_dict(),
                        "scheduler": scheduler.state_dict(), "step": step, "rng": torch.get_rng_state(),
                        "seconds": elapsed + time.perf_counter() - start,
                    })
                fabric.barrier()
            if step >= steps:
                break
    bar.close()
    if fabric.world_size > 1:  # the one network every process holds: rank 0's, the one it saves
        check_replicas(fabric, {desc: dict(raw_model.named_parameters())}, what="parameters after training")
        sync_buffers(fabric, raw_model)
    summary = {"steps": steps, "final_loss": loss_value, "seconds": elapsed + time.perf_counter() - start,
               "checkpoint": str(final_path)}
    if fabric.is_global_zero:
        from atdt.typed_config import to_dict

        if preview is not None:
            log.images(render_preview(preview, raw_model, fabric), steps)
        log.close()
        save_checkpoint(final_path, {"model": raw_model.state_dict(), "config": to_dict(config) if config is not None else None,
                                     "step": steps, "summary": summary}, seal=True)
        last_path.unlink(missing_ok=True)
    fabric.barrier()
    return summary
