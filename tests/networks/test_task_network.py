"""N = D(E(x)) re-cut at another split level computes the same function (``cut_at``)."""

from dataclasses import replace

import pytest
import torch

from atdt.config import NetworkConfig
from atdt.networks import build_task_network, cut_at


@pytest.mark.parametrize("split", (1, 2, 3))
def test_a_network_re_cut_at_another_split_level_computes_the_same_function(split):
    """Trained once at split 4, N = D(E(x)) is cut where E should end (transfer-level study): the
    same output, E returning the stages up to the split, and back again."""
    network = NetworkConfig(output_stride=16, decoder_channels=(8, 8, 8))
    torch.manual_seed(0)
    whole = build_task_network(network, 3, aux_edges=True).eval()
    x = torch.rand(2, 3, 32, 64)
    cut = cut_at(whole, replace(network, split_level=split))
    with torch.no_grad():
        assert torch.equal(cut(x), whole(x))
        assert [f.shape[1] for f in cut.encode(x)] == [64, 128, 256][:split] == cut.encoder.out_channels
        assert torch.equal(cut.encode(x)[-1], whole.encode(x)[split - 1])
        assert torch.equal(cut_at(cut, network)(x), whole(x))
    assert cut.aux is None and not cut.training  # the edge head only trains
    assert cut_at(whole, network) is whole
    with pytest.raises(ValueError, match="skip connections"):
        cut_at(build_task_network(replace(network, skips=True), 3), replace(network, skips=True, split_level=2))
