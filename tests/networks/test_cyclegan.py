"""CycleGAN's networks: shapes for any image size, the PatchGAN's receptive field, parameter groups."""

import pytest
import torch

from atdt.networks.cyclegan import CycleGAN, PatchDiscriminator, ResnetGenerator


@pytest.mark.parametrize("size", [(32, 64), (30, 50), (7, 9)])
@pytest.mark.parametrize("down", [0, 1, 2])
def test_generator_returns_an_image_of_its_input_size_in_tanh_range(size, down):
    g = ResnetGenerator(width=4, blocks=1, down=down)
    y = g(torch.rand(2, 3, *size) * 2 - 1)
    assert y.shape == (2, 3, *size)
    assert y.abs().max() <= 1


@pytest.mark.parametrize("layers, field", [(1, 16), (2, 34), (3, 70)])
def test_patch_discriminator_sees_square_patches_of_the_stated_size(layers, field):
    """The gradient of one output score w.r.t. the input is non-zero exactly on its patch
    (instance norm, whose statistics span the whole image, is taken out to see the convolutions')."""
    d = PatchDiscriminator(width=2, layers=layers)
    d.net = torch.nn.Sequential(*(m for m in d.net if not isinstance(m, torch.nn.InstanceNorm2d)))
    x = torch.randn(1, 3, 160, 160, requires_grad=True)
    out = d(x)
    out[0, 0, out.shape[2] // 2, out.shape[3] // 2].backward()
    rows = x.grad[0].abs().sum(dim=(0, 2)).nonzero()
    cols = x.grad[0].abs().sum(dim=(0, 1)).nonzero()
    assert int(rows.max() - rows.min() + 1) == field
    assert int(cols.max() - cols.min() + 1) == field


def test_generator_and_discriminator_parameters_split_the_model():
    nets = CycleGAN(width=4, blocks=1, disc_width=4, disc_layers=1)
    g, d = {id(p) for p in nets.generator_parameters()}, {id(p) for p in nets.discriminator_parameters()}
    assert g and d and not g & d
    assert g | d == {id(p) for p in nets.parameters()}


def test_convolutions_start_from_the_authors_normal_init():
    torch.manual_seed(0)
    nets = CycleGAN(width=32, blocks=2, disc_width=32, disc_layers=2)
    conv = nets.g_ab.net[1].requires_grad_(False)
    assert abs(float(conv.weight.std()) - 0.02) < 0.003 and float(conv.bias.abs().max()) == 0.0
