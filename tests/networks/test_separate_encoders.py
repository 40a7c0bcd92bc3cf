"""N1 with separate encoders (supplementary Sec. 1.3): each sample through its domain's encoder,
one shared decoder."""

import pytest
import torch

from atdt.config import NetworkConfig
from atdt.networks import SeparateEncoderNetwork, TaskNetwork, build_separate_encoder_network

NET = NetworkConfig(decoder_channels=(16, 16, 16))


@pytest.mark.parametrize("split, skips", ((4, False), (2, True)))
def test_each_sample_goes_through_its_own_domains_encoder(split, skips):
    net = build_separate_encoder_network(NetworkConfig(decoder_channels=(16, 16, 16), split_level=split, skips=skips),
                                         11).eval()
    x = torch.rand(4, 3, 32, 64)
    domain = torch.tensor([1, 0, 0, 1])
    with torch.no_grad():
        out = net(x, domain)
        alone = [net.network_for("ab"[int(d)])(x[i:i + 1]) for i, d in enumerate(domain)]
    assert out.shape == (4, 11, 32, 64)
    for i in range(4):
        assert torch.allclose(out[i:i + 1], alone[i], rtol=1e-4, atol=1e-5), i  # batch 2 vs 1: other sum orders
    # the two encoders differ, so routing matters
    with torch.no_grad():
        swapped = net(x, 1 - domain)
    assert not torch.allclose(out, swapped, atol=1e-3)


def test_accessors_share_the_modules():
    net = build_separate_encoder_network(NET, 1)
    assert net.domains == ["a", "b"]
    assert net.encoder_for("a") is net.encoders["a"] and net.encoder_for("b") is not net.encoder_for("a")
    view = net.network_for("b")
    assert isinstance(view, TaskNetwork) and view.encoder is net.encoder_for("b") and view.decoder is net.decoder
    with pytest.raises(ValueError, match="no encoder for domain 'c'; this network has: a, b"):
        net.encoder_for("c")


def test_b_samples_give_no_gradient_to_encoder_a():
    net = build_separate_encoder_network(NET, 1).train()
    net(torch.rand(2, 3, 32, 64), torch.tensor([1, 1])).sum().backward()
    assert all(p.grad is None for p in net.encoder_for("a").parameters())
    assert all(p.grad is not None for p in net.encoder_for("b").parameters())
    assert all(p.grad is not None for p in net.decoder.parameters())


def test_bad_domain_indices_and_mismatched_encoders_fail_clearly():
    net = build_separate_encoder_network(NET, 1)
    with pytest.raises(ValueError, match="domain indices must be 0..1"):
        net(torch.rand(2, 3, 32, 64), torch.tensor([0, 2]))
    with pytest.raises(ValueError, match="one index per image"):
        net(torch.rand(2, 3, 32, 64), torch.tensor([0]))
    other = build_separate_encoder_network(NetworkConfig(split_level=3), 1)
    with pytest.raises(ValueError, match="channels must agree"):
        SeparateEncoderNetwork({"a": net.encoder_for("a"), "b": other.encoder_for("b")}, net.decoder)


def test_atdt_composes_g_with_encoder_b_as_with_any_n1():
    """Step 4 with this N1: D2(G(E1^B(x_B))), G trained on E1^A's features (same channels)."""
    from atdt.method.predictor import ATDTPredictor
    from atdt.networks import TransferNetwork, build_task_network

    n1, n2 = build_separate_encoder_network(NET, 1), build_task_network(NET, 11)
    g = TransferNetwork(n1.encoder_for("a").out_channels[-1], n2.encoder.out_channels[-1], width=16)
    predictor = ATDTPredictor(n1.encoder_for("b"), g, n2.decoder).eval()
    with torch.no_grad():
        assert predictor(torch.rand(2, 3, 32, 64)).shape == (2, 11, 32, 64)
