"""benchmarks/multiscale_stages.py: its mixed predictor is single-level AT/DT with no stage
transferred and multi-scale AT/DT with every one, and in between takes E2's features exactly
where a stage is not transferred."""

import importlib.util
from pathlib import Path

import torch

from atdt.config import NetworkConfig, TransferConfig
from atdt.method.steps import build_transfer, step4_multiscale, step4_transfer
from atdt.networks import build_task_network

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "multiscale_stages.py"


def _script():
    spec = importlib.util.spec_from_file_location("multiscale_stages", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_mixed_predictor_spans_single_level_to_multi_scale():
    network = NetworkConfig(skips=True, decoder_channels=(8, 8, 8))
    torch.manual_seed(0)
    n1, n2 = build_task_network(network, 1).eval(), build_task_network(network, 11).eval()
    channels = list(zip(n1.encoder.out_channels, n2.encoder.out_channels))
    gs = {str(k): build_transfer(*channels[k - 1], TransferConfig(width=8), 0).eval() for k in (1, 2, 3)}
    g = build_transfer(*channels[-1], TransferConfig(width=8)).eval()
    mixed = _script().Mixed
    x = torch.rand(2, 3, 32, 64)
    with torch.no_grad():
        single, multi = step4_transfer(n1.encoder, g, n2)(x), step4_multiscale(n1.encoder, g, gs, n2)(x)
        assert not torch.allclose(single, multi, atol=1e-3)
        assert torch.allclose(mixed(n1.encoder, n2.encoder, {**gs, "4": g}, n2.decoder, ())(x), single, atol=1e-5)
        assert torch.allclose(mixed(n1.encoder, n2.encoder, {**gs, "4": g}, n2.decoder, (1, 2, 3))(x), multi, atol=1e-5)
        f1, f2 = n1.encode(x), n2.encode(x)
        expected = n2.decode([f2[0], gs["2"](f1[1]), f2[2], g(f1[3])], (32, 64))
        assert torch.allclose(mixed(n1.encoder, n2.encoder, {**gs, "4": g}, n2.decoder, (2,))(x), expected, atol=1e-5)
