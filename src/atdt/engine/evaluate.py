"""Evaluation loop: predictions at native resolution streamed into the task's metric."""

from __future__ import annotations

import sys
from collections.abc import Callable

import torch
from torch.utils.data import DataLoader, Subset
from tqdm import tqdm

from atdt.tasks import Task
from atdt.typed_config import finite_positive


def default_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def _collate(keys):
    """Samples -> batches of equal image size: a split whose images differ in size is scored at
    each image's own size (the metrics need no common one) rather than failing to stack."""

    def collate(samples):
        groups: dict[tuple, list] = {}
        for s in samples:
            groups.setdefault(tuple(s["image"].shape), []).append(s)
        return [{k: torch.stack([s[k] for s in group]) for k in keys} for group in groups.values()]

    return collate


def predict(model: Callable[[torch.Tensor], torch.Tensor], images: torch.Tensor, task: Task,
            depth_scale: float = 1.0) -> torch.Tensor:
    """The task's prediction for images (B, 3, H, W). Depth is multiplied by ``depth_scale``, the
    focal-length ratio f_target / f_source of a network trained on one camera and applied to
    another: the one place where that rescaling happens, so the one place it is checked (a negative
    or NaN factor would give negative or NaN depths)."""
    if not finite_positive(depth_scale):
        raise ValueError(f"depth_scale must be a finite number > 0, got {depth_scale!r}")
    pred = task.predict(model(images))
    return pred * depth_scale if task.name == "depth" else pred


@torch.no_grad()
def evaluate(predict_fn: Callable[[torch.Tensor], torch.Tensor], dataset, task: Task, *, batch_size: int = 4,
             device=None, limit: int | None = None, depth_scale: float = 1.0, progress: bool = True,
             desc: str = "evaluate", split: str | None = None) -> dict:
    """predict_fn(images (B, 3, H, W) on device) -> raw output (B, C, H, W).

    depth_scale multiplies depth predictions before the metrics (``predict``). A split without a
    single valid label pixel (all ignore, no depth in range, no normals) raises ValueError naming
    it (``split``: its name, for the message) rather than scoring NaN.
    """
    where = f"{dataset.domain}" + (f" split {split!r}" if split else "")
    if task.label_key not in dataset.labels:
        raise ValueError(f"{where} has no {task.label_key} labels to evaluate against")
    device = device or default_device()
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be >= 1 (None = every image), got {limit}")
    if len(dataset) == 0:
        raise ValueError(f"{where} has no images to evaluate on")
    if limit is not None:
        dataset = Subset(dataset, range(min(limit, len(dataset))))
    loader = DataLoader(dataset, batch_size=batch_size, collate_fn=_collate(("image", task.label_key)))
    metric = task.accumulator()
    for batches in tqdm(loader, desc=desc, unit="batch", file=sys.stderr, disable=not progress, leave=False):
        for batch in batches:
            pred = predict(predict_fn, batch["image"].to(device), task, depth_scale)
            metric.update(pred.cpu(), batch[task.label_key])
    if metric.count == 0:
        raise ValueError(f"{where}: none of its {len(dataset)} image(s) has a valid {task.label_key} label "
                         f"({task.no_label}), so there is nothing to score; `atdt data check` lists "
                         "such splits")
    return metric.compute()


def mean_focal(dataset, count: int = 8) -> float:
    """Mean fx of the first samples' cameras (pixels at the dataset's resolution)."""
    n = min(count, len(dataset))
    return sum(float(dataset[i]["camera"]["fx"]) for i in range(n)) / max(n, 1)
