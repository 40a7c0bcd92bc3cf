"""Encoders E from timm: ``network.encoder=timm:<name>`` (optional: ``pip install -e '.[timm]'``).

Any timm model built with ``features_only=True``; its ``feature_info`` gives each stage's channels
and reduction. The stages are its feature maps at 1/4 of the image and below (a stride-2 stem tap
is no stage), so a timm ResNet, EfficientNet, MobileNet or ConvNeXt has four, as the torchvision
ResNets, and ``split_level`` counts them. E is the model's first ``split_level`` stages. Unlike a
torchvision ResNet, D gets no tail of the deeper stages, so the split level changes the network
(the runner keys it, as with skip connections). A timm model keeps its own normalisation layers
(the norm switch is the ResNets'); ``output_stride`` 16 or 8 goes to timm's ``output_stride``
argument, for the models that take it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import torch
from torch import nn

from atdt.networks.pretrained import timm_download_error, timm_pretrained, weight_file_error

PREFIX = "timm:"


def is_timm(encoder: str) -> bool:
    return encoder.startswith(PREFIX)


def _timm():
    try:
        import timm
    except ImportError:
        raise ValueError("timm encoders need timm, which is not installed: pip install -e '.[timm]'") from None
    return timm


def _stride_kwargs(output_stride: int) -> dict:
    return {} if output_stride == 32 else {"output_stride": output_stride}


@lru_cache(maxsize=32)
def timm_stages(name: str, output_stride: int = 32) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """(feature_info indices, channels, reductions) of the stages of timm model ``name``, read from
    a model built on the meta device (no memory, no weights)."""
    timm = _timm()
    if not timm.models.is_model(name):
        raise ValueError(f"unknown timm model {name!r}; timm.list_models('{name[:4]}*') lists the names")
    try:
        try:
            with torch.device("meta"):
                model = timm.create_model(name, features_only=True, **_stride_kwargs(output_stride))
        except (RuntimeError, NotImplementedError):  # an initialisation the meta device cannot run
            model = timm.create_model(name, features_only=True, **_stride_kwargs(output_stride))
    except (TypeError, ValueError, RuntimeError, AssertionError, NotImplementedError) as err:
        what = f"output_stride={output_stride}" if output_stride != 32 else "features_only=True"
        raise ValueError(f"timm model {name} does not build with {what} ({str(err).strip()[:200]})") from None
    info = model.feature_info
    # out_indices: the feature indices of the default outputs, which skip the first feature(s) in
    # some models (DLA: out_indices 1..5 of 6 features), so positions among them are no indices
    stages = [(i, c, r) for i, c, r in zip(info.out_indices, info.channels(), info.reduction()) if r >= 4]
    if not stages:
        raise ValueError(f"timm model {name} has no feature maps at 1/4 of the image or below "
                         f"(reductions {info.reduction()}); choose a convolutional one")
    if output_stride != 32 and stages[-1][2] != output_stride:
        raise ValueError(f"timm model {name} ignores output_stride={output_stride} (its deepest reduction is "
                         f"{stages[-1][2]}); use output_stride=32")
    indices, channels, reductions = zip(*stages)
    return indices, channels, reductions


class TimmEncoder(nn.Module):
    """forward(x [B,3,H,W]) -> the features of stages 1..split_level of a timm ``features_only`` model."""

    def __init__(self, model: nn.Module, out_channels: list[int], reductions: list[int]):
        super().__init__()
        self.model = model
        self.out_channels = list(out_channels)
        self.reductions = list(reductions)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        return list(self.model(x))[:len(self.out_channels)]

    def first(self, k: int) -> TimmEncoder:
        """The first ``k`` stages, sharing this encoder's weights."""
        return TimmEncoder(self.model, self.out_channels[:k], self.reductions[:k])


def build_timm_encoder(name: str, *, output_stride: int = 32, split_level: int = 4,
                       pretrained: str | Path | None = None) -> TimmEncoder:
    timm = _timm()
    indices, _, _ = timm_stages(name, output_stride)
    if not 1 <= split_level <= len(indices):
        raise ValueError(f"split_level must be 1..{len(indices)} for {PREFIX}{name} (its stages at 1/4 of the image "
                         f"and below), got {split_level}")
    model_name, kwargs = timm_pretrained(name, pretrained)
    try:
        model = timm.create_model(model_name, features_only=True, out_indices=indices[:split_level],
                                  **_stride_kwargs(output_stride), **kwargs)
    except Exception as err:
        if "pretrained_cfg_overlay" in kwargs:  # a local file: the model builds (timm_stages), the file did not load
            raise weight_file_error(f"network.pretrained={pretrained}", pretrained, err) from None
        if isinstance(err, OSError) and kwargs["pretrained"]:  # not in the Hugging Face cache, no download
            raise timm_download_error(model_name, str(pretrained), err) from None
        raise
    info = model.feature_info
    return TimmEncoder(model, info.channels(), info.reduction())
