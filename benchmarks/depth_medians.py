"""Median predicted depth against the median ground truth, on A's and B's test images, for the
depth networks of one run folder (N2, the Oracle, No Transfer's depth head): a diagnostic of a
depth network that fails across domains by its scale. Predictions are raw, before the f_B / f_A
rescaling the evaluation applies to networks trained on A.

    .venv/bin/python benchmarks/depth_medians.py runs/no_transfer/sem2dep/seed0 [--images 16]
"""

import argparse
from pathlib import Path

import torch
import yaml

from atdt.data import load_dataset
from atdt.engine.train_task import load_task_network
from atdt.engine.train_variants import load_multitask_network
from atdt.tasks import MAX_DEPTH, get_task


def networks(run: Path) -> dict:
    found = {name: load_task_network(run / name)[0] for name in ("n2", "oracle") if (run / name).is_dir()}
    if (run / "multitask").is_dir():
        found["no transfer"] = load_multitask_network(run / "multitask")[0].head("depth")
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", type=Path, help="a seed folder of `atdt run` (Sem. -> Dep.)")
    parser.add_argument("--images", type=int, default=16)
    args = parser.parse_args()
    config = yaml.safe_load((args.run / "config.yaml").read_text())
    depth = get_task("depth")
    nets = networks(args.run)
    for domain in ("domain_a", "domain_b"):
        data = load_dataset(config[domain]["name"], config[domain]["root"], config[domain]["test_split"])
        samples = [data[i] for i in range(min(args.images, len(data)))]
        images = torch.stack([s["image"] for s in samples])
        truth = torch.stack([torch.as_tensor(s["depth"]) for s in samples])
        valid = (truth > 0) & (truth <= MAX_DEPTH)
        row = [f"{domain[-1].upper()} ({config[domain]['root']}): ground truth {truth[valid].median():.1f} m"]
        with torch.no_grad():
            for name, net in nets.items():
                row.append(f"{name} {depth.predict(net.eval()(images))[valid].median():.1f} m")
        print(", ".join(row))


if __name__ == "__main__":
    main()
