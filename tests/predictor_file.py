"""A real exported AT/DT predictor, small enough to build in a test (ResNet-18, thin decoder and G)."""

import torch


def tiny_predictor(path, *, depth_scale: float = 1.5, task_source: str = "depth", task_target: str = "semantic"):
    """Export a predictor with random weights to ``path``; returns (path, the module)."""
    from atdt.config import NetworkConfig, TransferConfig
    from atdt.method.predictor import ATDTPredictor, export_predictor
    from atdt.networks import TransferNetwork, build_task_network
    from atdt.tasks import get_task

    torch.manual_seed(0)
    network = NetworkConfig(decoder_channels=(8, 8, 8))
    n1 = build_task_network(network, get_task(task_source).out_channels)
    n2 = build_task_network(network, get_task(task_target).out_channels)
    g = TransferNetwork(512, 512, width=16)
    predictor = ATDTPredictor(n1.encoder, g, n2.decoder, depth_scale=depth_scale).eval()
    export_predictor(predictor, path, task_source=task_source, task_target=task_target, network=network,
                     transfer=TransferConfig(width=16))
    return path, predictor
