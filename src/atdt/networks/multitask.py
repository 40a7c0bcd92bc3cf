"""The No Transfer baseline (paper, supplementary Sec. 1.2, Tab. 3-4): one network with a shared
encoder E_{1,2} and one decoder per task, D_1 for T1 and D_2 for T2, trained end to end without
a transfer network G. Each head, seen alone, is a plain TaskNetwork sharing E."""

from __future__ import annotations

import torch
from torch import nn

from atdt.config import NetworkConfig
from atdt.networks.decoder import Decoder
from atdt.networks.encoder import Encoder
from atdt.networks.task_network import TaskNetwork, build_task_network


class MultiTaskNetwork(nn.Module):
    """forward(x [B,3,H,W]) -> {head name: raw output [B, C_head, H, W]}, E run once for all heads."""

    def __init__(self, encoder: Encoder, decoders: dict[str, Decoder]):
        super().__init__()
        if not decoders:
            raise ValueError("a multi-task network needs at least one decoder")
        self.encoder = encoder
        self.decoders = nn.ModuleDict(decoders)  # insertion order = head order (T1, T2)

    @property
    def heads(self) -> list[str]:
        return list(self.decoders)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        features = self.encoder(x)
        return {name: decoder(features, x.shape[-2:]) for name, decoder in self.decoders.items()}

    def head(self, name: str) -> TaskNetwork:
        """One head as a TaskNetwork sharing this network's modules (E and D_name): x -> raw output,
        so it evaluates and exports like any task network (the T2 head gives No Transfer on B)."""
        if name not in self.decoders:
            raise ValueError(f"no head {name!r}; this network has: {', '.join(self.decoders)}")
        return TaskNetwork(self.encoder, self.decoders[name])


def build_multitask_network(network: NetworkConfig, heads: dict[str, int]) -> MultiTaskNetwork:
    """E split from one ResNet at ``network.split_level`` as for a TaskNetwork; every head gets a
    decoder of its own (the ResNet stages after the split included) with ``heads[name]`` outputs."""
    if not heads:
        raise ValueError("a multi-task network needs at least one head (name -> output channels)")
    encoder, decoders = None, {}
    for name, out_channels in heads.items():
        net = build_task_network(network, out_channels)  # each head's decoder tail is its own copy
        encoder = encoder if encoder is not None else net.encoder
        decoders[name] = net.decoder
    return MultiTaskNetwork(encoder, decoders)
