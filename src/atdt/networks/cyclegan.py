"""CycleGAN's networks (Zhu et al., ICCV 2017, and the authors' pytorch-CycleGAN-and-pix2pix):
a ResNet generator and a PatchGAN discriminator, both with instance norm.

Images enter and leave the generator in [-1, 1] (tanh output). The defaults are the paper's:
generator width 64 with 9 residual blocks (6 for 128x128 images and smaller), discriminator
width 64 with 3 strided layers (each output pixel sees a 70x70 patch).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


def _norm(channels: int) -> nn.Module:
    # the authors' instance norm: no affine parameters, no running statistics (train = eval)
    return nn.InstanceNorm2d(channels, affine=False, track_running_stats=False)


class ResidualBlock(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3), _norm(channels), nn.ReLU(inplace=True),
            nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3), _norm(channels),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class ResnetGenerator(nn.Module):
    """c7s1-w, ``down`` stride-2 convolutions (doubling the width), ``blocks`` residual blocks,
    ``down`` transposed convolutions back, c7s1-3 and tanh.

    Any input size works: the input is reflect-padded to a multiple of 2**down and the output
    cropped back, so [B,3,H,W] in gives [B,3,H,W] out.
    """

    def __init__(self, in_channels: int = 3, out_channels: int = 3, width: int = 64, blocks: int = 9, down: int = 2):
        super().__init__()
        if width < 1 or blocks < 0 or down < 0:
            raise ValueError(f"generator needs width >= 1, blocks >= 0, down >= 0; got {width}, {blocks}, {down}")
        self.down = down
        layers: list[nn.Module] = [nn.ReflectionPad2d(3), nn.Conv2d(in_channels, width, 7), _norm(width), nn.ReLU(True)]
        channels = width
        for _ in range(down):
            layers += [nn.Conv2d(channels, 2 * channels, 3, stride=2, padding=1), _norm(2 * channels), nn.ReLU(True)]
            channels *= 2
        layers += [ResidualBlock(channels) for _ in range(blocks)]
        for _ in range(down):
            layers += [nn.ConvTranspose2d(channels, channels // 2, 3, stride=2, padding=1, output_padding=1),
                       _norm(channels // 2), nn.ReLU(True)]
            channels //= 2
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(channels, out_channels, 7), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B,3,H,W) in [-1,1] -> same
        h, w = x.shape[-2:]
        m = 2**self.down
        pad_h, pad_w = (-h) % m, (-w) % m
        if pad_h or pad_w:
            # reflection needs pad < size; replicate covers the (rare) tiny images where it does not
            mode = "reflect" if pad_h < h and pad_w < w else "replicate"
            x = F.pad(x, (0, pad_w, 0, pad_h), mode=mode)
        return self.net(x)[..., :h, :w]


class PatchDiscriminator(nn.Module):
    """PatchGAN: 4x4 convolutions, ``layers`` of them with stride 2 (width doubling up to 8x),
    one with stride 1, then a 1-channel map of real/fake scores, one per overlapping patch.
    Receptive field: 16 (layers=1), 34 (2), 70 (3), 142 (4) pixels."""

    def __init__(self, in_channels: int = 3, width: int = 64, layers: int = 3):
        super().__init__()
        if width < 1 or layers < 1:
            raise ValueError(f"discriminator needs width >= 1 and layers >= 1; got {width}, {layers}")
        seq: list[nn.Module] = [nn.Conv2d(in_channels, width, 4, stride=2, padding=1), nn.LeakyReLU(0.2, True)]
        channels = width
        for n in range(1, layers + 1):
            out = width * min(2**n, 8)
            stride = 2 if n < layers else 1
            seq += [nn.Conv2d(channels, out, 4, stride=stride, padding=1), _norm(out), nn.LeakyReLU(0.2, True)]
            channels = out
        seq.append(nn.Conv2d(channels, 1, 4, stride=1, padding=1))
        self.net = nn.Sequential(*seq)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B,3,H,W) -> (B,1,h,w) scores
        return self.net(x)


def init_weights(module: nn.Module, std: float = 0.02) -> nn.Module:
    """The authors' initialisation: convolution weights ~ N(0, 0.02), biases 0."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return module


class CycleGAN(nn.Module):
    """The four networks: ``g_ab`` turns A images into B-looking ones and ``g_ba`` B into A
    (the one that writes "B like A"); ``d_a`` scores how A-like an image is, ``d_b`` how B-like.
    Keyword names match ``atdt.config.CycleGANConfig`` (``CycleGAN(**to_dict(cfg))``)."""

    def __init__(self, width: int = 64, blocks: int = 9, down: int = 2, disc_width: int = 64, disc_layers: int = 3):
        super().__init__()
        self.g_ab = ResnetGenerator(width=width, blocks=blocks, down=down)
        self.g_ba = ResnetGenerator(width=width, blocks=blocks, down=down)
        self.d_a = PatchDiscriminator(width=disc_width, layers=disc_layers)
        self.d_b = PatchDiscriminator(width=disc_width, layers=disc_layers)
        init_weights(self)

    def generator_parameters(self) -> list[nn.Parameter]:
        return [*self.g_ab.parameters(), *self.g_ba.parameters()]

    def discriminator_parameters(self) -> list[nn.Parameter]:
        return [*self.d_a.parameters(), *self.d_b.parameters()]
