"""The transfer network G_{1->2} (paper Sec. 3.5, supplementary Sec. 2): a stack of 3x3
convolutions that goes down to 1/4 of the feature resolution and back, mapping E1's features
to E2's. ELU activations, no normalisation by default, as the authors' release."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from atdt.networks.norms import norm_layer

ACTIVATIONS = {"elu": nn.ELU, "relu": nn.ReLU, "leaky_relu": nn.LeakyReLU}


class TransferNetwork(nn.Module):
    """Default six layers: conv/2 -> conv/2 -> (up x2, conv) -> conv -> (up x2, conv to out).

    ``layers`` >= 5: two convs down, two upsampling convs back, and ``layers - 4`` convs at the
    lowest resolution in between (the last layer, at full resolution, predicts E2's features and
    has no activation, since they can be negative after batch norm). ``down`` of the two down
    convs have stride 2 (the paper: both, 1/4 of the feature resolution); a small feature map
    (2x4 at 64x128 and output stride 32) keeps its detail with fewer."""

    def __init__(self, in_channels: int, out_channels: int, *, layers: int = 6, down: int = 2,
                 width: int | None = None, norm: str = "none", activation: str = "elu"):
        super().__init__()
        if layers < 5:
            raise ValueError(f"G needs at least 5 layers (2 down, 1 middle, 2 up), got {layers}")
        if down not in (0, 1, 2):
            raise ValueError(f"G's down (stride-2 layers) must be 0, 1 or 2, got {down}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose one of: {', '.join(ACTIVATIONS)}")
        width = width or in_channels
        make_norm, act = norm_layer(norm), ACTIVATIONS[activation]

        def conv(cin, cout, stride=1):
            return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=stride, padding=1), make_norm(cout), act())

        self.down = nn.Sequential(conv(in_channels, width, 2 if down >= 1 else 1), conv(width, width, 2 if down == 2 else 1))
        self.middle = nn.Sequential(*[conv(width, width) for _ in range(layers - 4)])
        self.up1 = conv(width, width)
        self.up2 = nn.Conv2d(width, out_channels, 3, padding=1)
        self.in_channels, self.out_channels, self.strides = in_channels, out_channels, down

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        size = x.shape[-2:]  # (h, w) of the feature map; odd sizes come back exactly
        y = self.down(x)  # (B, width, ~h/2^down, ~w/2^down)
        # ceil(h / 2) as (h + 1) // 2: ONNX divides integers towards zero, so -(-h // 2) would export as floor
        half = ((size[0] + 1) // 2, (size[1] + 1) // 2) if self.strides == 2 else size
        y = self.up1(F.interpolate(self.middle(y), size=half, mode="bilinear", align_corners=False))
        return self.up2(F.interpolate(y, size=size, mode="bilinear", align_corners=False))
