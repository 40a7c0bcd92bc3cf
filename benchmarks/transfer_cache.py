"""Step 3 of AT/DT with cached frozen-encoder features against re-running E1 and E2 at every
step (transfer.cache_features=false), same G, batch and number of steps, in one run.

    .venv/bin/python benchmarks/transfer_cache.py [--images 256] [--steps 100]
"""

import argparse
import tempfile
import time

import torch

from atdt.config import NetworkConfig, OptimConfig, RuntimeConfig, TrainConfig, TransferConfig
from atdt.engine import make_fabric
from atdt.method.steps import step3_train_transfer
from atdt.networks import build_task_network


class Images(torch.utils.data.Dataset):
    labels, domain = frozenset(), "memory"

    def __init__(self, n, h, w):
        self.images = torch.rand(n, 3, h, w, generator=torch.Generator().manual_seed(0))

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        return {"image": self.images[i]}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=256)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--batch", type=int, default=16)
    args = parser.parse_args()
    data = Images(args.images, 64, 128)
    n1, n2 = build_task_network(NetworkConfig(), 1), build_task_network(NetworkConfig(), 11)
    fabric = make_fabric(RuntimeConfig(accelerator="cpu", progress=False))
    times = {}
    for cached in (True, False):
        transfer = TransferConfig(cache_features=cached, train=TrainConfig(
            steps=args.steps, batch_size=args.batch, log_every=50, ckpt_every=10**9, optim=OptimConfig(lr=1e-4)))
        with tempfile.TemporaryDirectory() as run:
            t0 = time.perf_counter()
            step3_train_transfer(n1.encoder, n2.encoder, data, transfer=transfer, runtime=RuntimeConfig(progress=False),
                                 run_dir=run, fabric=fabric)
            times[cached] = time.perf_counter() - t0
    print(f"G, {args.steps} steps of batch {args.batch} on {args.images} images (64x128, ResNet-18 encoders):")
    print(f"  re-running E1 and E2 every step: {times[False]:.1f} s")
    print(f"  cached features (incl. caching): {times[True]:.1f} s")
    print(f"  speed-up: {times[False] / times[True]:.1f}x")


if __name__ == "__main__":
    main()
