"""One shared test for every architecture: each encoder x split level x norm x skips builds a task
network N = D(E(x)) and the AT/DT predictor D2(G(E1(x))) from two of them, and both return
full-resolution outputs on tiny random images. With skips, D2 reads E2's shallow stages and G's
deepest features (atdt.method.predictor.ATDTPredictor).

Every norm runs on one net of each block type (ResNet-18: basic blocks, ResNet-50: bottlenecks);
ResNet-34 and -101 differ from those only in block counts, so they run every split and skips
with batch norm. All but ResNet-18 are `slow` (building the deeper nets dominates)."""

import itertools

import pytest
import torch

from atdt.config import NetworkConfig, TransferConfig
from atdt.method.steps import build_transfer, step4_transfer
from atdt.networks import build_task_network
from atdt.networks.encoder import ENCODERS
from atdt.networks.norms import NORMS

SIZE = (32, 48)  # stage 4 at output stride 32 is 1x2: the smallest map every part must handle
EVERY_NORM = ("resnet18", "resnet50")
CASES = [pytest.param(e, split, norm, skips, marks=[pytest.mark.slow] if e != "resnet18" else [],
                      id=f"{e}-split{split}-{norm}-{'skips' if skips else 'noskips'}")
         for e, split, norm, skips in itertools.product(ENCODERS, (1, 2, 3, 4), NORMS, (False, True))
         if e in EVERY_NORM or norm == "batch"]


@pytest.mark.parametrize("encoder, split, norm, skips", CASES)
def test_task_network_and_atdt_predictor(encoder, split, norm, skips):
    network = NetworkConfig(encoder=encoder, split_level=split, norm=norm, skips=skips, decoder_channels=(8, 8, 8))
    torch.manual_seed(0)
    n1, n2 = build_task_network(network, 1).eval(), build_task_network(network, 11).eval()
    g = build_transfer(n1.encoder.out_channels[-1], n2.encoder.out_channels[-1], TransferConfig(width=8, down=1)).eval()
    predictor = step4_transfer(n1.encoder, g, n2)
    x = torch.rand(2, 3, *SIZE)
    with torch.no_grad():
        assert n1(x).shape == (2, 1, *SIZE) and n2(x).shape == (2, 11, *SIZE)
        out = predictor(x)
        features = n2.encode(x)
        features[-1] = g(n1.encode(x)[-1])  # N2 with G's features in place of E2's deepest
        expected = n2.decode(features, SIZE)
    assert out.shape == (2, 11, *SIZE) and torch.isfinite(out).all()
    assert torch.allclose(out, expected, atol=1e-5)
    assert (predictor.e2_skips is not None) == (skips and split > 1)


def test_an_exported_predictor_with_skips_rebuilds(tmp_path):
    from atdt.method.predictor import export_predictor, load_predictor

    network = NetworkConfig(split_level=3, skips=True, decoder_channels=(8, 8, 8))
    transfer = TransferConfig(width=8)
    n1, n2 = build_task_network(network, 1).eval(), build_task_network(network, 11).eval()
    predictor = step4_transfer(n1.encoder, build_transfer(256, 256, transfer).eval(), n2)
    path = export_predictor(predictor, tmp_path / "p.pt", task_source="depth", task_target="semantic",
                            network=network, transfer=transfer)
    loaded, _ = load_predictor(path)
    x = torch.rand(1, 3, *SIZE)
    with torch.no_grad():
        assert torch.equal(loaded(x), predictor(x))
