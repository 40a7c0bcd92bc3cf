"""How far apart two sets of images look, from cheap statistics: colour (per-channel mean, std
and intensity histogram) and texture (histogram of grey-level gradient magnitudes).

``appearance_distance`` compares two accumulators with 1-D Wasserstein distances between the
histograms (the mean absolute shift of the distribution, in intensity units of [0, 1]) and the
gaps between the per-channel means and stds. It checks that "B like A" (``atdt translate``) moved
B's appearance toward A's: distance(B like A, A) below distance(B, A).
"""

from __future__ import annotations

import math

import torch

LEVELS = 256  # intensity histogram: one bin per 8-bit level
GRADIENT_BINS, GRADIENT_MAX = 100, 1.0  # gradient magnitudes above GRADIENT_MAX fall in the last bin


class AppearanceAccumulator:
    """Streams images (3,H,W) or (B,3,H,W), floats in [0, 1], into colour and gradient histograms."""

    def __init__(self):
        self.colour = torch.zeros(3, LEVELS, dtype=torch.float64)  # (channel, level) pixel counts
        self.gradient = torch.zeros(GRADIENT_BINS, dtype=torch.float64)
        self.sum = torch.zeros(3, dtype=torch.float64)
        self.sum_sq = torch.zeros(3, dtype=torch.float64)
        self.pixels = 0
        self.images = 0

    def update(self, images: torch.Tensor) -> None:
        x = torch.as_tensor(images).detach().cpu().double()
        x = x.unsqueeze(0) if x.dim() == 3 else x  # (B,3,H,W)
        if x.dim() != 4 or x.shape[1] != 3:
            raise ValueError(f"expected images (3,H,W) or (B,3,H,W), got shape {tuple(x.shape)}")
        levels = (x * (LEVELS - 1)).round().clamp(0, LEVELS - 1).long()
        for c in range(3):
            self.colour[c] += torch.bincount(levels[:, c].flatten(), minlength=LEVELS).double()
        self.sum += x.sum(dim=(0, 2, 3))
        self.sum_sq += x.pow(2).sum(dim=(0, 2, 3))
        self.pixels += x.shape[0] * x.shape[2] * x.shape[3]
        self.images += x.shape[0]
        grey = x.mean(dim=1)  # (B,H,W)
        gx = grey[:, :-1, 1:] - grey[:, :-1, :-1]  # forward differences on the (H-1)x(W-1) grid
        gy = grey[:, 1:, :-1] - grey[:, :-1, :-1]
        magnitude = (gx.pow(2) + gy.pow(2)).sqrt().flatten()
        bins = (magnitude / GRADIENT_MAX * GRADIENT_BINS).long().clamp(0, GRADIENT_BINS - 1)
        self.gradient += torch.bincount(bins, minlength=GRADIENT_BINS).double()

    def compute(self) -> dict:
        """{"images", "mean" [r,g,b], "std" [r,g,b], "gradient_mean"} (intensities in [0, 1])."""
        if self.pixels == 0:
            raise ValueError("no images were accumulated")
        mean = self.sum / self.pixels
        std = (self.sum_sq / self.pixels - mean.pow(2)).clamp_min(0).sqrt()
        centres = (torch.arange(GRADIENT_BINS, dtype=torch.float64) + 0.5) * GRADIENT_MAX / GRADIENT_BINS
        gradient_mean = float((self.gradient * centres).sum() / self.gradient.sum().clamp_min(1))
        return {"images": self.images, "mean": mean.tolist(), "std": std.tolist(), "gradient_mean": gradient_mean}


def _wasserstein(p: torch.Tensor, q: torch.Tensor, bin_width: float) -> float:
    """W1 between two 1-D histograms on the same bins: sum |CDF_p - CDF_q| x bin width."""
    cdf_p, cdf_q = p.cumsum(0) / p.sum(), q.cumsum(0) / q.sum()
    return float((cdf_p - cdf_q).abs()[:-1].sum() * bin_width)


def appearance_distance(x: AppearanceAccumulator, y: AppearanceAccumulator) -> dict:
    """Distances between two image sets (0 = the same statistics), intensities in [0, 1]:
    colour_w1 (mean over R, G, B of the histograms' W1), colour_mean and colour_std (Euclidean
    gap between the per-channel means / stds), gradient_w1 (W1 of the gradient-magnitude
    histograms: texture, sharpness, noise)."""
    sx, sy = x.compute(), y.compute()
    colour_w1 = sum(_wasserstein(x.colour[c], y.colour[c], 1.0 / (LEVELS - 1)) for c in range(3)) / 3
    return {
        "colour_w1": colour_w1,
        "colour_mean": math.dist(sx["mean"], sy["mean"]),
        "colour_std": math.dist(sx["std"], sy["std"]),
        "gradient_w1": _wasserstein(x.gradient, y.gradient, GRADIENT_MAX / GRADIENT_BINS),
    }


def dataset_appearance(dataset, limit: int | None = None) -> AppearanceAccumulator:
    """The statistics of the first ``limit`` images of a dataset (all with None)."""
    acc = AppearanceAccumulator()
    for i in range(len(dataset) if limit is None else min(limit, len(dataset))):
        acc.update(dataset[i]["image"])
    return acc
