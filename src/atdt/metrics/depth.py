"""Monocular depth scores of Eigen et al., per image then averaged over images, as the authors'
evaluation: valid pixels have min < gt < max; predictions are clipped to [min, max]."""

from __future__ import annotations

import math

import torch

METRICS = ("abs_rel", "sq_rel", "rmse", "rmse_log", "d1", "d2", "d3")


def image_depth_errors(pred: torch.Tensor, gt: torch.Tensor, min_depth: float, max_depth: float) -> torch.Tensor | None:
    """The seven metrics of one image (float64 tensor of 7), or None if it has no valid pixel."""
    pred, gt = torch.as_tensor(pred).double().flatten(), torch.as_tensor(gt).double().flatten()
    valid = (gt > min_depth) & (gt < max_depth)
    if not valid.any():
        return None
    gt, pred = gt[valid], pred[valid].clamp(min_depth, max_depth)
    ratio = torch.maximum(gt / pred, pred / gt)
    diff = gt - pred
    return torch.stack([
        (diff.abs() / gt).mean(),
        (diff**2 / gt).mean(),
        (diff**2).mean().sqrt(),
        ((gt.log() - pred.log()) ** 2).mean().sqrt(),
        (ratio < 1.25).double().mean(),
        (ratio < 1.25**2).double().mean(),
        (ratio < 1.25**3).double().mean(),
    ])


class DepthAccumulator:
    """Sums per-image metrics; ``compute`` averages them over the images that had valid pixels."""

    def __init__(self, min_depth: float = 1e-3, max_depth: float = 100.0):
        self.min_depth, self.max_depth = min_depth, max_depth
        self.sums = torch.zeros(len(METRICS) + 1, dtype=torch.float64)  # seven sums + image count

    def update(self, pred: torch.Tensor, target: torch.Tensor) -> None:
        """Batched [B, H, W] (or one [H, W]) predictions and targets in metres."""
        pred, target = torch.as_tensor(pred).detach().cpu(), torch.as_tensor(target).detach().cpu()
        if pred.shape != target.shape:
            raise ValueError(f"prediction shape {tuple(pred.shape)} differs from target {tuple(target.shape)}")
        if pred.dim() == 2:
            pred, target = pred[None], target[None]
        for p, g in zip(pred, target):
            errors = image_depth_errors(p, g, self.min_depth, self.max_depth)
            if errors is not None:
                self.sums[:-1] += errors
                self.sums[-1] += 1

    def merge(self, other: DepthAccumulator) -> None:
        self.sums += other.sums

    @property
    def count(self) -> int:
        """Images scored (those with a valid pixel); 0 = nothing to score."""
        return int(self.sums[-1])

    def state(self) -> torch.Tensor:
        return self.sums

    def compute(self) -> dict:
        n = self.sums[-1].item()
        return {name: (self.sums[i].item() / n if n else math.nan) for i, name in enumerate(METRICS)}


def depth_scores(preds, targets, min_depth: float = 1e-3, max_depth: float = 100.0) -> dict:
    """``preds``/``targets``: sequences of [H, W] depth maps in metres or stacked [N, H, W] tensors."""
    acc = DepthAccumulator(min_depth, max_depth)
    for pred, target in zip(preds, targets, strict=True):
        acc.update(pred, target)
    return acc.compute()
