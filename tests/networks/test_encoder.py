"""Every encoder / split level / norm / dilation builds, and N = D(E(x)) returns full resolution."""

import itertools

import pytest
import torch

from atdt.config import NetworkConfig
from atdt.networks import build_encoder, build_task_network

ENCODERS = ("resnet18", "resnet34", "resnet50", "resnet101")


CASES = [pytest.param(e, d, marks=[pytest.mark.slow] if e in ("resnet50", "resnet101") else [])
         for e, d in itertools.product(ENCODERS, (32, 16, 8))]


@pytest.mark.parametrize("encoder, stride", CASES)
def test_every_split_level_builds_and_decodes_to_full_resolution(encoder, stride):
    x = torch.rand(1, 3, 48, 80)  # not a power of two: the decoder must still land on 48x80
    for split in (1, 2, 3, 4):
        net = build_task_network(NetworkConfig(encoder=encoder, output_stride=stride, split_level=split, norm="none"), 3).eval()
        with torch.no_grad():
            features = net.encode(x)
            out = net(x)
        assert len(features) == split == len(net.encoder.out_channels)
        assert [f.shape[1] for f in features] == net.encoder.out_channels
        assert features[-1].shape[-1] == -(-80 // net.encoder.reductions[-1])
        assert out.shape == (1, 3, 48, 80)


@pytest.mark.parametrize("norm", ("batch", "group", "instance", "none"))
def test_norm_switch(norm):
    net = build_task_network(NetworkConfig(norm=norm, skips=True, split_level=3), 11)
    kinds = {type(m).__name__ for m in net.modules()}
    expected = {"batch": "BatchNorm2d", "group": "GroupNorm", "instance": "InstanceNorm2d"}.get(norm)
    if expected:
        assert expected in kinds
    else:
        assert not kinds & {"BatchNorm2d", "GroupNorm", "InstanceNorm2d"}
    net.eval()
    with torch.no_grad():
        assert net(torch.rand(2, 3, 32, 64)).shape == (2, 11, 32, 64)


@pytest.mark.parametrize("name", ["resnet18", "resnet50"])
def test_dilation_trades_stride_for_the_paper_rates(name):
    enc = build_encoder(name, output_stride=8)
    assert enc.reductions == [4, 8, 8, 8]
    assert enc.stages[2][1].conv2.dilation == (2, 2) and enc.stages[3][1].conv2.dilation == (4, 4)
    enc16 = build_encoder(name, output_stride=16)
    assert enc16.reductions == [4, 8, 16, 16] and enc16.stages[3][1].conv2.dilation == (2, 2)
    with torch.no_grad():
        assert enc16(torch.rand(1, 3, 64, 128))[-1].shape[-2:] == (4, 8)
    with pytest.raises(ValueError, match="32, 16, 8"):
        build_encoder(name, output_stride=4)


def test_bad_choices_name_the_options():
    with pytest.raises(ValueError, match="resnet18, resnet34"):
        build_encoder("vgg16")
    with pytest.raises(ValueError, match="batch, group"):
        build_task_network(NetworkConfig(norm="layer"), 1)
    with pytest.raises(ValueError, match="split_level"):
        build_task_network(NetworkConfig(split_level=5), 1)


def test_pretrained_weights_load_from_a_local_file(tmp_path):
    import torchvision

    path = tmp_path / "r18.pth"
    reference = torchvision.models.resnet18(weights=None)
    torch.save(reference.state_dict(), path)
    enc = build_encoder("resnet18", pretrained=path)
    assert torch.equal(enc.stages[0][0].weight, reference.conv1.weight)
    with pytest.raises(ValueError, match="does not hold resnet50"):
        build_encoder("resnet50", pretrained=path)
