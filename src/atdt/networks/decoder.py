"""Decoder D: the ResNet stages after the split (if any), then three stages of bilinear
upsampling + 3x3 conv + norm + ReLU, the prediction layer, and a resize to full resolution
(paper, supplementary Sec. 2)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from atdt.networks.norms import norm_layer


class Decoder(nn.Module):
    def __init__(self, in_channels: list[int], out_channels: int, *, channels: tuple[int, ...] = (128, 64, 32),
                 norm: str = "batch", skips: bool = False, tail: nn.Module | None = None, tail_channels: int | None = None):
        super().__init__()
        self.tail = tail if tail is not None else nn.Identity()
        self.skips = skips
        make_norm = norm_layer(norm)
        previous = tail_channels if tail is not None else in_channels[-1]
        # with skips, upsampling stage i also receives encoder stage -(i + 2), resized to its map
        skip_channels = list(reversed(in_channels[:-1])) if skips else []
        blocks = []
        for i, width in enumerate(channels):
            extra = skip_channels[i] if i < len(skip_channels) else 0
            blocks.append(nn.Sequential(
                nn.Conv2d(previous + extra, width, 3, padding=1, bias=False), make_norm(width), nn.ReLU(inplace=True)
            ))
            previous = width
        self.blocks = nn.ModuleList(blocks)
        self.predict = nn.Conv2d(previous, out_channels, 3, padding=1)

    def forward(self, features: list[torch.Tensor], size: tuple[int, int]) -> torch.Tensor:
        x = self.tail(features[-1])
        for i, block in enumerate(self.blocks):
            x = F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=False)
            if self.skips and i + 2 <= len(features):
                skip = features[-(i + 2)]
                x = torch.cat([x, F.interpolate(skip, size=x.shape[-2:], mode="bilinear", align_corners=False)], dim=1)
            x = block(x)
        return F.interpolate(self.predict(x), size=size, mode="bilinear", align_corners=False)  # (B, out, H, W)


def stages_read(num_stages: int, num_blocks: int, skips: bool) -> tuple[int, ...]:
    """The encoder stages (1 = shallowest) a Decoder with ``num_blocks`` upsampling blocks reads
    from ``num_stages`` feature maps: the deepest, and with skips one more per block; in ascending
    order, shallowest first (the deepest is the last)."""
    return tuple(range(max(1, num_stages - num_blocks) if skips else num_stages, num_stages + 1))

