"""N1 with a shared decoder and separate encoders (paper, supplementary Sec. 1.3, Tab. 5): one
encoder per domain, E_1^A trained only on A and E_1^B only on B, feeding one decoder D_1 trained
on both. AT/DT then learns G on E_1^A(x_A) -> E_2(x_A) and predicts on B as D_2(G(E_1^B(x_B))).
Each domain's path, seen alone, is a plain TaskNetwork sharing D_1."""

from __future__ import annotations

import torch
from torch import nn

from atdt.config import NetworkConfig
from atdt.networks.decoder import Decoder
from atdt.networks.encoder import Encoder
from atdt.networks.task_network import TaskNetwork, build_task_network

DOMAINS = ("a", "b")  # domain index i of a batch (batch["domain"]) is routed to encoder DOMAINS[i]


class SeparateEncoderNetwork(nn.Module):
    """forward(x [B,3,H,W], domain [B] int64) -> raw output [B, C, H, W]: sample i goes through
    the encoder of domain ``domain[i]``; the decoder sees the whole batch at once (its batch norm
    covers both domains, as in the shared N1 of Sec. 3.3)."""

    def __init__(self, encoders: dict[str, Encoder], decoder: Decoder):
        super().__init__()
        if not encoders:
            raise ValueError("a separate-encoder network needs at least one encoder")
        widths = {name: list(e.out_channels) for name, e in encoders.items()}
        if len({tuple(w) for w in widths.values()}) != 1:
            raise ValueError(f"the encoders feed one decoder, so their channels must agree: {widths}")
        self.encoders = nn.ModuleDict(encoders)  # insertion order = domain index
        self.decoder = decoder

    @property
    def domains(self) -> list[str]:
        return list(self.encoders)

    def encoder_for(self, domain: str) -> Encoder:
        if domain not in self.encoders:
            raise ValueError(f"no encoder for domain {domain!r}; this network has: {', '.join(self.encoders)}")
        return self.encoders[domain]

    def network_for(self, domain: str) -> TaskNetwork:
        """E_1^domain + D_1 as a TaskNetwork sharing this network's modules (x -> raw output)."""
        return TaskNetwork(self.encoder_for(domain), self.decoder)

    def encode(self, x: torch.Tensor, domain: torch.Tensor) -> list[torch.Tensor]:
        """Stage features of each sample from its own domain's encoder, in batch order."""
        if domain.shape != x.shape[:1]:
            raise ValueError(f"domain must hold one index per image: {tuple(domain.shape)} for {len(x)} images")
        if len(x) and (domain.min() < 0 or domain.max() >= len(self.encoders)):
            raise ValueError(f"domain indices must be 0..{len(self.encoders) - 1} ({', '.join(self.encoders)}), "
                             f"got {sorted(set(domain.tolist()))}")
        picks, parts = [], []
        for i, encoder in enumerate(self.encoders.values()):
            pick = (domain == i).nonzero(as_tuple=True)[0]  # (b_i,)
            if len(pick):
                picks.append(pick)
                parts.append(encoder(x[pick]))  # list of (b_i, C_k, h_k, w_k)
        order = torch.cat(picks).argsort()  # rows of the concatenated parts back to batch order
        return [torch.cat(level)[order] for level in zip(*parts)]

    def forward(self, x: torch.Tensor, domain: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encode(x, domain), x.shape[-2:])


def build_separate_encoder_network(network: NetworkConfig, out_channels: int,
                                   domains: tuple[str, ...] = DOMAINS) -> SeparateEncoderNetwork:
    """One encoder per domain, each split from its own ResNet as for a TaskNetwork, and the decoder
    (the ResNet stages after the split included) of the first."""
    if not domains or len(set(domains)) != len(domains):
        raise ValueError(f"domains must be distinct names, got {domains}")
    encoders, decoder = {}, None
    for name in domains:
        net = build_task_network(network, out_channels)
        encoders[name] = net.encoder
        decoder = decoder if decoder is not None else net.decoder
    return SeparateEncoderNetwork(encoders, decoder)
