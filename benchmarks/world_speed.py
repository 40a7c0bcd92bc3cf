"""How fast `atdt world make` writes samples (128x256, every output: both views, depth,
semantics, normals, camera JSON), against rendering alone in one process.

    .venv/bin/python benchmarks/world_speed.py [--count 300] [--workers 2]
"""

import argparse
import tempfile
import time

from atdt.world import render
from atdt.world.writer import make_dataset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--domain", default="camera")
    args = parser.parse_args()
    render(args.domain, 0, size=(128, 256))  # warm-up
    t0 = time.perf_counter()
    for i in range(20):
        render(args.domain, i, size=(128, 256))
    single = 20 / (time.perf_counter() - t0)
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        make_dataset(args.domain, "train", args.count, (128, 256), out, workers=args.workers, progress=False)
        seconds = time.perf_counter() - t0
    print(f"render only, 1 process:          {single:6.1f} samples/s")
    print(f"atdt world make, {args.workers} workers, {args.count} samples: {args.count / seconds:6.1f} samples/s "
          f"({seconds:.1f} s, including pool start-up, PNG encoding and the contact sheet)")


if __name__ == "__main__":
    main()
