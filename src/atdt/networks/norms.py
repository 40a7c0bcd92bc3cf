"""The normalisation switch of every layer (the paper's batch-norm ablation, Sec. 6.3)."""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

NORMS: dict[str, Callable[[int], nn.Module]] = {
    "batch": nn.BatchNorm2d,
    "group": lambda channels: nn.GroupNorm(min(32, channels), channels),
    "instance": lambda channels: nn.InstanceNorm2d(channels, affine=True),
    "none": lambda channels: nn.Identity(),
}


def norm_layer(name: str) -> Callable[[int], nn.Module]:
    if name not in NORMS:
        raise ValueError(f"unknown norm {name!r}; choose one of: {', '.join(NORMS)}")
    return NORMS[name]
