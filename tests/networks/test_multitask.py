"""The No Transfer network (supplementary Sec. 1.2): one shared E, one decoder per task."""

import pytest
import torch

from atdt.config import NetworkConfig
from atdt.networks import MultiTaskNetwork, TaskNetwork, build_multitask_network

NET = NetworkConfig(decoder_channels=(16, 16, 16))


@pytest.mark.parametrize("split", (3, 4))
def test_every_head_decodes_the_shared_features_to_full_resolution(split):
    net = build_multitask_network(NetworkConfig(decoder_channels=(16, 16, 16), split_level=split),
                                  {"depth": 1, "semantic": 11}).eval()
    x = torch.rand(2, 3, 32, 64)
    with torch.no_grad():
        out = net(x)
        head = net.head("semantic")
        alone = head(x)
    assert net.heads == ["depth", "semantic"]
    assert out["depth"].shape == (2, 1, 32, 64) and out["semantic"].shape == (2, 11, 32, 64)
    assert isinstance(head, TaskNetwork) and head.encoder is net.encoder and head.decoder is net.decoders["semantic"]
    assert torch.allclose(alone, out["semantic"])
    if split < 4:  # the ResNet stages after the split belong to each head, not shared
        assert net.decoders["depth"].tail is not net.decoders["semantic"].tail


def test_one_encoder_for_all_heads():
    net = build_multitask_network(NET, {"depth": 1, "semantic": 11})
    encoders = [m for m in net.modules() if type(m).__name__ == "Encoder"]
    assert len(encoders) == 1
    n_params = sum(p.numel() for p in net.parameters())
    per_head = [sum(p.numel() for p in d.parameters()) for d in net.decoders.values()]
    assert n_params == sum(p.numel() for p in net.encoder.parameters()) + sum(per_head)


def test_unknown_head_and_no_heads_fail_clearly():
    net = build_multitask_network(NET, {"depth": 1})
    with pytest.raises(ValueError, match="no head 'semantic'; this network has: depth"):
        net.head("semantic")
    with pytest.raises(ValueError, match="at least one head"):
        build_multitask_network(NET, {})
    with pytest.raises(ValueError, match="at least one decoder"):
        MultiTaskNetwork(net.encoder, {})
