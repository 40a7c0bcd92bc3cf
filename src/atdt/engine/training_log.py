"""What a training writes while it runs, in its run folder's ``logs/``: ``train.csv`` (one row per
log interval) and the same values as TensorBoard scalars in ``logs/tensorboard/`` (Fabric's
TensorBoardLogger), plus a few colourised predictions at each checkpoint and at the end.

The one training loop (atdt.engine.loop: task networks, G, the studies' variants, CycleGAN) logs
through ``TrainingLog``; ``tensorboard --logdir runs/`` shows every network of every experiment.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from atdt.data.io import write_text

TENSORBOARD = "tensorboard"  # logs/<this>/: the event files of one run folder


def log_row(path: Path, row: dict) -> None:
    """Append ``row`` to the CSV log; a log begun by another version of atdt keeps its header
    (columns it lacks are left out, columns the row lacks stay empty). A link at ``path`` is
    replaced by a new log, never appended through."""
    if path.is_symlink():
        path.unlink()
    new = not path.is_file() or path.stat().st_size == 0
    path.parent.mkdir(parents=True, exist_ok=True)
    if new:
        fields = list(row)
    else:
        with path.open(newline="") as f:
            fields = next(csv.reader(f))
    with path.open("a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        if new:
            writer.writeheader()
        writer.writerow(row)


def truncate_log(path: Path, step: int) -> None:
    """Drop the rows logged after ``step`` (a killed run logged past its last checkpoint; the
    resumed run logs those steps again)."""
    if not path.is_file():
        return
    lines = path.read_text().splitlines(keepends=True)
    keep = lines[:1] + [row for row in lines[1:] if row.split(",", 1)[0].isdigit() and int(row.split(",", 1)[0]) <= step]
    if len(keep) != len(lines):
        write_text(path, "".join(keep))


def _after_earlier_events(folder: Path) -> None:
    """Wait, if need be, until the clock's second is past every events file's in ``folder``.
    TensorBoard reads a folder's files in name order, and a name is events.out.tfevents.<second>.
    <host>.<pid>.<counter>: a resumed run's file must sort after the killed run's for purge_step to
    drop what that one logged past its checkpoint, which the counter (9 < 10 as text) cannot
    promise within one second of one process."""
    seconds = [int(p.name.split(".")[3]) for p in folder.glob("events.out.tfevents.*") if p.name.split(".")[3].isdigit()]
    if seconds and max(seconds) >= int(time.time()):
        time.sleep(max(seconds) + 1 - time.time())


class TrainingLog:
    """The CSV log and the TensorBoard events of one run folder, from step ``step`` on (a resumed
    run: what a killed run logged after its checkpoint is dropped from both). Only the process
    that writes files (rank 0) should pass ``enabled=True``; the others log nothing."""

    def __init__(self, run_dir, *, step: int = 0, enabled: bool = True):
        self.csv = Path(run_dir) / "logs" / "train.csv"
        self.enabled, self.tensorboard = enabled, None
        self._last = (step, time.perf_counter())
        if not enabled:
            return
        from lightning_fabric.loggers import TensorBoardLogger

        truncate_log(self.csv, step)
        _after_earlier_events(self.csv.parent / TENSORBOARD)
        # purge_step: TensorBoard discards the earlier events at steps >= step + 1 (those a killed run
        # logged past its checkpoint), as truncate_log does for the CSV
        self.tensorboard = TensorBoardLogger(root_dir=self.csv.parent, name="", version=TENSORBOARD,
                                             default_hp_metric=False, purge_step=step + 1 if step else None)

    def row(self, row: dict) -> None:
        """One row (``step`` and values): the CSV gets it with ``step_seconds`` (wall seconds per
        step since the previous row) appended; TensorBoard gets each value as a scalar of that name,
        on disk at once like the CSV row (a killed run keeps what it logged)."""
        step, now = int(row["step"]), time.perf_counter()
        row = {**row, "step_seconds": round((now - self._last[1]) / max(step - self._last[0], 1), 6)}
        self._last = (step, now)
        if not self.enabled:
            return
        log_row(self.csv, row)
        self.tensorboard.log_metrics({k: float(v) for k, v in row.items() if k != "step"}, step=step)
        self.tensorboard.save()

    def images(self, images: dict[str, np.ndarray], step: int) -> None:
        """uint8 HxWx3 images under their tags (e.g. ``predictions/world/clean``)."""
        if not self.enabled:
            return
        for tag, image in images.items():
            self.tensorboard.experiment.add_image(tag, image, step, dataformats="HWC")

    def close(self) -> None:
        if self.enabled:
            self.tensorboard.finalize("success")


def first_images(datasets, count: int = 1) -> list[tuple[str, dict]]:
    """(domain, sample) of the first ``count`` samples of each dataset: what the previews show."""
    return [(getattr(d, "domain", f"domain{k}"), d[i]) for k, d in enumerate(datasets) for i in range(min(count, len(d)))]


def task_preview(task, datasets, count: int = 1) -> Callable[[torch.nn.Module], dict[str, np.ndarray]]:
    """model -> {"predictions/<domain>": image | prediction | label} for the first ``count`` images
    of each dataset (a repeated tag gets "/<index>"), colourised by the task; the samples are read
    once, at the first call."""
    samples: list = []

    def preview(model: torch.nn.Module) -> dict[str, np.ndarray]:
        if not samples:
            samples.extend(first_images(datasets, count))
        device = next(model.parameters()).device
        out = {}
        for k, (domain, sample) in enumerate(samples):
            image = sample["image"]  # (3, H, W) in [0, 1]
            raw = model(image[None].to(device))
            panels = [(image.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8),
                      task.colourise(task.predict(raw.float())[0].cpu())]
            if task.label_key in sample:
                panels.append(task.colourise(sample[task.label_key]))
            tag = f"predictions/{domain}"
            out[tag if tag not in out else f"{tag}/{k}"] = np.concatenate(panels, axis=1)
        return out

    return preview


@torch.no_grad()
def render_preview(preview: Callable, model: torch.nn.Module, fabric) -> dict[str, np.ndarray]:
    """``preview(model)`` in eval mode under the training's precision, the mode restored after."""
    was_training = model.training
    model.eval()
    try:
        with fabric.autocast():
            return preview(model)
    finally:
        model.train(was_training)
