"""`make demo`: AT/DT on the embedded world, both directions, from a clean simulator-like domain A
to the camera-like domain B, on a laptop CPU.

1. render the world data it needs (reused when present): clean and camera, 64x128;
2. stereo proxy depth for camera/train: B's only depth supervision, as Cityscapes in the paper;
3. Dep. -> Sem. and Sem. -> Dep. with experiments/demo.yaml into runs/demo/;
4. print both tables and the figure paths.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from atdt.cli.run import experiments_dir, print_summary

DATA = Path("data/world")
SIZE = (64, 128)
COUNTS = {"train": 1500, "val": 100, "test": 200}
DIRECTIONS = (("depth", "semantic", "dep2sem"), ("semantic", "depth", "sem2dep"))


def ensure_world_data(progress: bool = True) -> None:
    from atdt.world.writer import ensure_dataset

    for domain in ("clean", "camera"):
        for split, count in COUNTS.items():
            ensure_dataset(domain, split, count, SIZE, DATA / domain, progress=progress)


def ensure_proxy_depth() -> dict | None:
    from atdt.data import load_dataset
    from atdt.stereo import write_proxy_depth

    out = DATA / "camera-proxy"
    marker = out / "summary.txt"
    if marker.is_file():
        return None
    summary = write_proxy_depth(load_dataset("world", DATA / "camera", "train"), out, workers=2)
    marker.write_text(repr(summary) + "\n")
    return summary


def main(argv: list[str] | None = None) -> int:
    from atdt.config import ExperimentConfig, load_config
    from atdt.method.experiment import run_experiment

    overrides = list(argv if argv is not None else sys.argv[1:])
    t0 = time.perf_counter()
    print(f"[demo] world data in {DATA} ({SIZE[0]}x{SIZE[1]}: {COUNTS})")
    ensure_world_data()
    summary = ensure_proxy_depth()
    if summary:
        print(f"[demo] proxy depth of camera/train: {100 * summary['density']:.1f}% of pixels kept, "
              f"abs rel error {summary['abs_rel']:.3f}, {100 * summary['within_10']:.1f}% within 10%")
    print(f"[demo] data ready after {time.perf_counter() - t0:.0f} s")
    finished = []
    for source, target, name in DIRECTIONS:
        cfg = load_config(ExperimentConfig, experiments_dir() / "demo.yaml",
                          [f"name=demo/{name}", f"task_source={source}", f"task_target={target}", *overrides])
        finished.append(run_experiment(cfg))
    for results in finished:
        print_summary(results)
    print(f"\n[demo] finished in {(time.perf_counter() - t0) / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
