"""Latency of AT/DT's inference (E1 + G + D2) against the Baseline network (E2 + D2).

    .venv/bin/python benchmarks/predictor_latency.py
"""

import time

import torch

from atdt.config import NetworkConfig
from atdt.method.predictor import ATDTPredictor
from atdt.networks import TransferNetwork, build_task_network


@torch.no_grad()
def latency(model, x, repeats=10):
    model(x)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        model(x)
        times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2] * 1000


def main():
    for size, net in (((64, 128), NetworkConfig()), ((512, 512), NetworkConfig()),
                      ((512, 512), NetworkConfig(encoder="resnet50", output_stride=8))):
        n1, n2 = build_task_network(net, 1).eval(), build_task_network(net, 11).eval()
        c = n1.encoder.out_channels[-1]
        atdt = ATDTPredictor(n1.encoder, TransferNetwork(c, c).eval(), n2.decoder).eval()
        x = torch.rand(1, 3, *size)
        b, a = latency(n2, x), latency(atdt, x)
        name = f"{net.encoder}/{net.output_stride}"
        print(f"{size[0]}x{size[1]} {name:18s} baseline {b:8.1f} ms   AT/DT {a:8.1f} ms   ratio {a / b:.2f}")


if __name__ == "__main__":
    main()
