"""A dense task network N = D(E(x)) (paper Sec. 3.1)."""

from __future__ import annotations

import torch
from torch import nn

from atdt.config import NetworkConfig
from atdt.networks.decoder import Decoder
from atdt.networks.encoder import Encoder, build_stages


class TaskNetwork(nn.Module):
    def __init__(self, encoder: Encoder, decoder: Decoder):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder

    def encode(self, x: torch.Tensor) -> list[torch.Tensor]:
        return self.encoder(x)

    def decode(self, features: list[torch.Tensor], size: tuple[int, int]) -> torch.Tensor:
        return self.decoder(features, size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x), x.shape[-2:])  # raw output (B, C, H, W)


def build_task_network(network: NetworkConfig, out_channels: int) -> TaskNetwork:
    """Split one ResNet at ``network.split_level``: E takes the stages up to it, D the rest."""
    if network.split_level not in (1, 2, 3, 4):
        raise ValueError(f"split_level must be 1, 2, 3 or 4, got {network.split_level}")
    stages, channels, reductions = build_stages(network.encoder, output_stride=network.output_stride, norm=network.norm,
                                                pretrained=network.pretrained)
    k = network.split_level
    encoder = Encoder(stages[:k], channels[:k], reductions[:k])
    tail = nn.Sequential(*stages[k:]) if k < 4 else None
    decoder = Decoder(channels[:k], out_channels, channels=tuple(network.decoder_channels), norm=network.norm,
                      skips=network.skips, tail=tail, tail_channels=channels[-1] if tail is not None else None)
    return TaskNetwork(encoder, decoder)
