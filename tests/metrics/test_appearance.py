"""Appearance statistics and distances against hand-computed cases."""

import pytest
import torch

from atdt.metrics.appearance import AppearanceAccumulator, appearance_distance


def _acc(*images):
    acc = AppearanceAccumulator()
    for image in images:
        acc.update(image)
    return acc


def test_flat_colours_give_their_mean_std_and_no_gradient():
    grey = torch.full((3, 4, 6), 0.5)
    red = torch.zeros(3, 4, 6)
    red[0] = 1.0
    stats = _acc(grey, red).compute()
    assert stats["images"] == 2
    assert stats["mean"] == pytest.approx([0.75, 0.25, 0.25])
    assert stats["std"] == pytest.approx([0.25, 0.25, 0.25])
    assert stats["gradient_mean"] == pytest.approx(0.005)  # every magnitude 0: the first bin's centre


def test_colour_distances_of_two_flat_images():
    dark, light = torch.full((3, 4, 4), 64 / 255), torch.full((3, 4, 4), 192 / 255)
    d = appearance_distance(_acc(dark), _acc(light))
    assert d["colour_w1"] == pytest.approx(128 / 255)  # every pixel moved by 128 levels
    assert d["colour_mean"] == pytest.approx(3**0.5 * 128 / 255)
    assert d["colour_std"] == pytest.approx(0.0) and d["gradient_w1"] == pytest.approx(0.0)
    assert all(v == pytest.approx(0.0) for v in appearance_distance(_acc(dark), _acc(dark)).values())


def test_gradient_distance_sees_texture_that_colour_statistics_miss():
    """Columns alternating 0 / 1 against the same pixels sorted into two halves: the same colour
    histogram, but gradients of 1 at every pixel against 0 almost everywhere."""
    stripes = torch.zeros(3, 8, 8)
    stripes[:, :, 1::2] = 1.0
    halves = torch.zeros(3, 8, 8)
    halves[:, :, 4:] = 1.0
    d = appearance_distance(_acc(stripes), _acc(halves))
    assert d["colour_w1"] == pytest.approx(0.0) and d["colour_mean"] == pytest.approx(0.0)
    # stripes: all 49 magnitudes in the last bin; halves: 7 of 49 (column 3 -> 4) there, 42 at 0
    assert d["gradient_w1"] == pytest.approx(42 / 49 * 0.99)


def test_batches_and_single_images_accumulate_alike():
    images = torch.rand(3, 3, 5, 7, generator=torch.Generator().manual_seed(0))
    one, batch = _acc(*images), _acc(images)
    assert torch.equal(one.colour, batch.colour) and torch.equal(one.gradient, batch.gradient)
    with pytest.raises(ValueError, match="expected images"):
        _acc(torch.rand(1, 5, 7))
    with pytest.raises(ValueError, match="no images"):
        AppearanceAccumulator().compute()
