"""Surface normal scores: angular error in degrees over all valid pixels of the dataset (mean,
median, % under 11.25 / 22.5 / 30 degrees). The median is read from a 0.01-degree histogram,
so it streams and is exact to 0.01 degrees."""

from __future__ import annotations

import math

import torch

BINS = 18000  # 0.01-degree bins over [0, 180]


class NormalAccumulator:
    def __init__(self):
        self.histogram = torch.zeros(BINS, dtype=torch.float64)
        self.angle_sum = torch.zeros((), dtype=torch.float64)

    def update(self, pred: torch.Tensor, target: torch.Tensor) -> None:
        """Batched [B, 3, H, W] (or one [3, H, W]) unit normals; all-zero targets carry no label."""
        pred, target = torch.as_tensor(pred).detach().cpu().double(), torch.as_tensor(target).detach().cpu().double()
        if pred.shape != target.shape:
            raise ValueError(f"prediction shape {tuple(pred.shape)} differs from target {tuple(target.shape)}")
        if pred.dim() == 3:
            pred, target = pred[None], target[None]
        valid = target.norm(dim=1) > 0.5
        cos = torch.nn.functional.cosine_similarity(pred, target, dim=1, eps=1e-12)[valid].clamp(-1.0, 1.0)
        angles = torch.rad2deg(torch.arccos(cos))
        self.angle_sum += angles.sum()
        self.histogram += torch.bincount((angles * 100).long().clamp(0, BINS - 1), minlength=BINS).double()

    def merge(self, other: NormalAccumulator) -> None:
        self.histogram += other.histogram
        self.angle_sum += other.angle_sum

    @property
    def count(self) -> int:
        """Pixels scored (those with a label); 0 = nothing to score."""
        return int(self.histogram.sum())

    def compute(self) -> dict:
        n = self.histogram.sum().item()
        if n == 0:
            return {k: math.nan for k in ("mean", "median", "a11", "a22", "a30")}
        cumulative = self.histogram.cumsum(0)
        median_bin = int(torch.searchsorted(cumulative, torch.tensor(n / 2, dtype=torch.float64)).item())

        def under(deg: float) -> float:
            return 100.0 * self.histogram[: round(deg * 100)].sum().item() / n

        return {
            "mean": self.angle_sum.item() / n,
            "median": (median_bin + 0.5) / 100.0,
            "a11": under(11.25),
            "a22": under(22.5),
            "a30": under(30.0),
        }


def normal_scores(preds, targets) -> dict:
    """``preds``/``targets``: sequences of [3, H, W] unit normals or stacked [N, 3, H, W] tensors."""
    acc = NormalAccumulator()
    for pred, target in zip(preds, targets, strict=True):
        acc.update(pred, target)
    return acc.compute()
