"""The transfer network G: down to 1/4 of the feature resolution and back, any size."""

import pytest
import torch

from atdt.networks import TransferNetwork


@pytest.mark.parametrize("size", [(8, 16), (7, 13), (2, 4), (1, 1)])
def test_output_matches_the_input_grid(size):
    g = TransferNetwork(64, 32, width=16)
    assert g(torch.rand(2, 64, *size)).shape == (2, 32, *size)


def test_goes_down_to_a_quarter_and_has_the_requested_depth():
    g = TransferNetwork(64, 64, layers=6)
    assert g.down(torch.rand(1, 64, 16, 32)).shape[-2:] == (4, 8)
    convs = [m for m in g.modules() if isinstance(m, torch.nn.Conv2d)]
    assert len(convs) == 6
    assert len([m for m in TransferNetwork(64, 64, layers=8).modules() if isinstance(m, torch.nn.Conv2d)]) == 8
    with pytest.raises(ValueError, match="at least 5"):
        TransferNetwork(8, 8, layers=4)


@pytest.mark.parametrize("down", [0, 1, 2])
@pytest.mark.parametrize("size", [(4, 8), (3, 5), (1, 1)])
def test_fewer_strided_layers_keep_more_of_the_map_and_the_output_grid(down, size):
    g = TransferNetwork(32, 16, width=8, down=down)
    assert g(torch.rand(2, 32, *size)).shape == (2, 16, *size)
    if size == (4, 8):
        assert g.down(torch.rand(1, 32, *size)).shape[-2:] == (4 >> down, 8 >> down)


def test_down_outside_its_range_is_refused():
    with pytest.raises(ValueError, match="down"):
        TransferNetwork(8, 8, down=3)
