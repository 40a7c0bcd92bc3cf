"""The world's domain gap: a small segmentation network (ResNet-18, the demo's N2 settings)
trained on each domain and tested on every domain's test split.

    .venv/bin/python benchmarks/domain_gap.py [--train 1500] [--steps 250]

Writes the world data it needs under data/world/ (reusing what `make demo` made).
"""

import argparse
from pathlib import Path

from atdt.config import NetworkConfig, OptimConfig, RuntimeConfig, TrainConfig
from atdt.data import load_dataset
from atdt.engine import evaluate, make_fabric, train_task_network
from atdt.tasks import get_task
from atdt.world import DOMAINS
from atdt.world.writer import ensure_dataset

DATA = Path("data/world")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", type=int, default=1500)
    parser.add_argument("--test", type=int, default=200)
    parser.add_argument("--steps", type=int, default=250)
    args = parser.parse_args()
    for d in DOMAINS:
        ensure_dataset(d, "train", args.train, (64, 128), DATA / d)
        ensure_dataset(d, "test", args.test, (64, 128), DATA / d)
    task = get_task("semantic")
    runtime = RuntimeConfig(progress=True)
    fabric = make_fabric(runtime)
    train = TrainConfig(steps=args.steps, batch_size=16, optim=OptimConfig(lr=1e-3, schedule="onecycle"))
    rows = []
    for source in DOMAINS:
        data = load_dataset("world", DATA / source, "train", limit=args.train)
        net = train_task_network("semantic", [data], network=NetworkConfig(), train=train, runtime=runtime,
                                 run_dir=Path("runs/domain_gap") / source, fabric=fabric, desc=f"train on {source}")
        scores = [evaluate(net, load_dataset("world", DATA / t, "test", limit=args.test), task, progress=False)
                  for t in DOMAINS]
        rows.append((source, scores))
    print("| trained on \\ tested on | " + " | ".join(DOMAINS) + " |")
    print("|---|" + "---|" * len(DOMAINS))
    for source, scores in rows:
        cells = [f"{s['miou']:.1f} / {s['acc']:.1f}" for s in scores]
        print(f"| {source} | " + " | ".join(cells) + " |")
    print("(mIoU / pixel accuracy, %, on each domain's test split)")


if __name__ == "__main__":
    main()
