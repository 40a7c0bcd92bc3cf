"""Encoders E: torchvision ResNets cut into stages; E ends at the split level.

Stage 1 is the stem (conv 7x7/2, max pool) plus layer1; stages 2-4 are layer2-4. The stages
after the split level belong to the decoder side, so N = D(E(x)) is the same network whatever
the split (paper Sec. 6.1 studies the split level). ``timm:<name>`` builds a timm model instead
(``atdt.networks.timm_encoder``); ``pretrained`` weights come through ``atdt.networks.pretrained``.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torchvision
from torch import nn

from atdt.networks.norms import norm_layer
from atdt.networks.pretrained import imagenet_version, load_weight_file, torchvision_state_dict
from atdt.networks.timm_encoder import PREFIX, TimmEncoder, build_timm_encoder, is_timm

OUTPUT_STRIDES = {32: (False, False), 16: (False, True), 8: (True, True)}
ENCODERS = {"resnet18": "resnet18", "resnet34": "resnet34", "resnet50": "resnet50", "resnet101": "resnet101"}


def _dilate_basic_stage(stage: nn.Sequential, rate: int) -> None:
    """torchvision refuses dilation in BasicBlock nets (ResNet-18/34): turn the stage's stride
    into dilation by hand, as replace_stride_with_dilation does for bottleneck nets."""
    for i, block in enumerate(stage):
        for conv in (block.conv1, block.conv2):
            conv.stride = (1, 1)
            conv.dilation = (rate, rate) if (i > 0 or conv is block.conv2) else (rate // 2, rate // 2)
            conv.padding = conv.dilation
        if block.downsample is not None:
            block.downsample[0].stride = (1, 1)


def build_stages(name: str = "resnet18", *, output_stride: int = 32, norm: str = "batch",
                 pretrained: str | Path | None = None) -> tuple[list[nn.Module], list[int], list[int]]:
    """All four stages of a ResNet, their output channels and their reductions (strides)."""
    if name not in ENCODERS:
        raise ValueError(f"unknown encoder {name!r}; choose one of: {', '.join(ENCODERS)} or {PREFIX}<timm model>")
    bottleneck = name in ("resnet50", "resnet101")
    if output_stride not in OUTPUT_STRIDES:
        raise ValueError(f"output_stride must be one of {', '.join(map(str, OUTPUT_STRIDES))}, got {output_stride}")
    dilate = OUTPUT_STRIDES[output_stride]  # (layer3, layer4): trade stride for dilation, as DRN does
    kwargs = {"norm_layer": norm_layer(norm)}
    if bottleneck:
        kwargs["replace_stride_with_dilation"] = [False, *dilate]
    net = getattr(torchvision.models, ENCODERS[name])(weights=None, **kwargs)
    if pretrained is not None:
        if norm != "batch":
            raise ValueError(f"pretrained weights ({pretrained}) hold batch-norm layers, which norm={norm} replaces; "
                             "use norm=batch or train from scratch")
        is_imagenet, version = imagenet_version(pretrained)
        # torchvision's ImageNet weights from the torch hub cache, or a weight file the user has on disk
        state = (torchvision_state_dict(ENCODERS[name], version) if is_imagenet
                 else load_weight_file(Path(pretrained), f"network.pretrained={pretrained}"))
        try:
            missing, unexpected = net.load_state_dict(state, strict=False)
        except RuntimeError as err:  # shape mismatches
            raise ValueError(f"{pretrained} does not hold {name} weights: {str(err).splitlines()[1:2]}") from None
        if [k for k in missing if not k.startswith("fc.")] or [k for k in unexpected if not k.startswith("fc.")]:
            raise ValueError(f"{pretrained} does not hold {name} weights (missing {missing[:3]}, unexpected {unexpected[:3]})")
    if not bottleneck:
        rate = 1
        for stage, on in zip((net.layer3, net.layer4), dilate):
            if on:
                rate *= 2
                _dilate_basic_stage(stage, rate)
    stages = [
        nn.Sequential(net.conv1, net.bn1, net.relu, net.maxpool, net.layer1),
        net.layer2, net.layer3, net.layer4,
    ]
    width = 4 if bottleneck else 1
    channels = [64 * width, 128 * width, 256 * width, 512 * width]
    reductions = [4, 8, min(16, output_stride), output_stride]
    return stages, channels, reductions


class Encoder(nn.Module):
    """forward(x [B,3,H,W]) -> list of stage features for stages 1..split_level."""

    def __init__(self, stages: list[nn.Module], out_channels: list[int], reductions: list[int]):
        super().__init__()
        self.stages = nn.ModuleList(stages)
        self.out_channels = list(out_channels)
        self.reductions = list(reductions)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        features = []
        for stage in self.stages:
            x = stage(x)
            features.append(x)
        return features

    def first(self, k: int) -> Encoder:
        """The first ``k`` stages, sharing this encoder's weights."""
        return Encoder(list(self.stages)[:k], self.out_channels[:k], self.reductions[:k])


def check_timm_norm(name: str, norm: str) -> None:
    if is_timm(name) and norm != "batch":
        raise ValueError(f"norm={norm} does not apply to {name}: a timm encoder keeps its own normalisation layers "
                         "(the norm switch is the torchvision ResNets'); use norm=batch")


def build_encoder(name: str = "resnet18", *, output_stride: int = 32, norm: str = "batch", split_level: int = 4,
                  pretrained: str | Path | None = None) -> Encoder | TimmEncoder:
    if is_timm(name):
        check_timm_norm(name, norm)
        return build_timm_encoder(name[len(PREFIX):], output_stride=output_stride, split_level=split_level,
                                  pretrained=pretrained)
    if split_level not in (1, 2, 3, 4):
        raise ValueError(f"split_level must be 1, 2, 3 or 4 (the ResNet stage where E ends), got {split_level}")
    stages, channels, reductions = build_stages(name, output_stride=output_stride, norm=norm, pretrained=pretrained)
    return Encoder(stages[:split_level], channels[:split_level], reductions[:split_level])
