"""Frozen-encoder features for training G (paper Sec. 3.5): pairs (E1(x_A), E2(x_A)).

E1 and E2 are frozen and in inference mode (batch norm uses its running statistics), so their
features of an image never change: computing them once and training G on the cache gives the
same gradients as re-running the encoders at every step, for a fraction of the cost.
"""

from __future__ import annotations

import sys

import torch
from torch.utils.data import DataLoader, Dataset
from tqdm import tqdm


@torch.no_grad()
def stage_features(encoder, images: torch.Tensor, level: int = -1) -> torch.Tensor:
    return encoder(images)[level]  # (B, C, h, w): G maps the encoder's last feature map (multi-scale: stage level + 1)


@torch.no_grad()
def cache_feature_pairs(e1, e2, dataset, *, device, batch_size: int = 16, flips: bool = True,
                        progress: bool = True, level: int = -1) -> FeaturePairs:
    """Run both frozen encoders once over ``dataset`` (and its mirror images when ``flips``),
    keeping the feature maps of stage index ``level`` (-1: the deepest)."""
    e1.eval().to(device)
    e2.eval().to(device)
    loader = DataLoader(dataset, batch_size=batch_size, collate_fn=lambda s: torch.stack([x["image"] for x in s]))
    f1, f2 = [], []
    for images in tqdm(loader, desc="cache E1/E2 features", unit="batch", file=sys.stderr, disable=not progress, leave=False):
        images = images.to(device)
        for view in ((images, images.flip(-1)) if flips else (images,)):
            f1.append(stage_features(e1, view, level).cpu())
            f2.append(stage_features(e2, view, level).cpu())
    return FeaturePairs(torch.cat(f1), torch.cat(f2))


class FeaturePairs(Dataset):
    """Cached (E1(x), E2(x)) pairs; items addressed like atdt.data.mixed.TrainingSet."""

    labels = frozenset({"f2"})
    domain = "features"

    def __init__(self, f1: torch.Tensor, f2: torch.Tensor):
        self.f1, self.f2 = f1, f2  # (N, C1, h, w), (N, C2, h, w)
        self.sizes = [len(f1)]

    def __len__(self) -> int:
        return len(self.f1)

    def __getitem__(self, item) -> dict:
        i = item[0] if isinstance(item, tuple) else item
        return {"f1": self.f1[i], "f2": self.f2[i]}
