"""A dense task network N = D(E(x)) (paper Sec. 3.1), optionally with an auxiliary edge head."""

from __future__ import annotations

import re
from dataclasses import replace

import torch
from torch import nn

from atdt.config import NetworkConfig
from atdt.networks.decoder import Decoder
from atdt.networks.encoder import Encoder, build_encoder, build_stages
from atdt.networks.timm_encoder import is_timm


class TaskNetwork(nn.Module):
    def __init__(self, encoder: Encoder, decoder: Decoder, aux: Decoder | None = None):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        self.aux = aux  # edge logits from E's deepest features (atdt.auxiliary); training only

    def encode(self, x: torch.Tensor) -> list[torch.Tensor]:
        return self.encoder(x)

    def decode(self, features: list[torch.Tensor], size: tuple[int, int]) -> torch.Tensor:
        return self.decoder(features, size)

    def forward(self, x: torch.Tensor, extras: bool = False):
        """Raw output (B, C, H, W); with ``extras`` a dict that adds E's deepest features and the
        edge head's logits, for the training losses (one forward call, so DDP sees it)."""
        features = self.encode(x)
        out = self.decode(features, x.shape[-2:])
        if not extras:
            return out
        edges = self.aux(features[-1:], x.shape[-2:]) if self.aux is not None else None
        return {"out": out, "features": features[-1], "edges": edges}


def build_task_network(network: NetworkConfig, out_channels: int, *, aux_edges: bool = False) -> TaskNetwork:
    """Split one ResNet at ``network.split_level``: E takes the stages up to it, D the rest. A timm
    encoder ends at the split level, D without a tail (``atdt.networks.timm_encoder``)."""
    k, tail, tail_channels = network.split_level, None, None
    if is_timm(network.encoder):
        encoder = build_encoder(network.encoder, output_stride=network.output_stride, norm=network.norm,
                                split_level=k, pretrained=network.pretrained)
    else:
        if k not in (1, 2, 3, 4):
            raise ValueError(f"split_level must be 1, 2, 3 or 4, got {k}")
        stages, channels, reductions = build_stages(network.encoder, output_stride=network.output_stride,
                                                    norm=network.norm, pretrained=network.pretrained)
        encoder = Encoder(stages[:k], channels[:k], reductions[:k])
        if k < 4:
            tail, tail_channels = nn.Sequential(*stages[k:]), channels[-1]
    channels = encoder.out_channels
    decoder = Decoder(channels, out_channels, channels=tuple(network.decoder_channels), norm=network.norm,
                      skips=network.skips, tail=tail, tail_channels=tail_channels)
    # the edge head reads E's output alone: it shapes E, not the task decoder
    aux = Decoder(channels[-1:], 1, channels=tuple(network.decoder_channels), norm=network.norm) if aux_edges else None
    return TaskNetwork(encoder, decoder, aux)


def cut_at(model: TaskNetwork, network: NetworkConfig) -> TaskNetwork:
    """``model`` with E ending at ``network.split_level`` instead (paper Sec. 6.1): the ResNet stages
    move between E and D's tail, every weight is kept, so D(E(x)) is unchanged; the edge head,
    which only trains, is left out. ``network`` holds the settings ``model`` was built with, but
    for the split level. Only without skip connections: with them the split changes D's inputs."""
    have, want = len(model.encoder.out_channels), network.split_level
    if want == have:
        return model
    if network.skips or model.decoder.skips:
        raise ValueError("a network with skip connections cannot be re-cut at another split level: D reads E's stages")
    if is_timm(network.encoder):
        raise ValueError(f"a network with the timm encoder {network.encoder} cannot be re-cut at another split level: "
                         "its D has no tail of deeper stages")
    state = {}
    for key, value in model.state_dict().items():
        found = re.match(r"(?:encoder\.stages\.(\d+)|decoder\.tail\.(\d+))\.(.*)", key)
        if key.startswith("aux."):
            continue
        if found:  # stage i of the ResNet: E's (i < split level) or D's tail (the rest)
            i = int(found[1]) if found[1] is not None else have + int(found[2])
            key = f"encoder.stages.{i}.{found[3]}" if i < want else f"decoder.tail.{i - want}.{found[3]}"
        state[key] = value
    cut = build_task_network(replace(network, pretrained=None), model.decoder.predict.out_channels)
    cut.load_state_dict(state)
    return cut.to(next(model.parameters()).device).train(model.training)
