"""`make demo`: AT/DT on the embedded world, both directions, from a clean simulator-like domain A
to the camera-like domain B, on a laptop CPU.

1. render the world data it needs (reused when present): clean and camera, 64x128;
2. stereo proxy depth for camera/train: B's only depth supervision, as Cityscapes in the paper;
3. Dep. -> Sem. and Sem. -> Dep. with experiments/demo.yaml into runs/demo/;
4. print both tables and the figure paths.

Overrides (``python -m atdt.demo n1.steps=100``) apply to both directions; both configs are
checked before anything trains, and an error is one line, as on the command line.
"""

from __future__ import annotations

import sys
import time

from atdt.cli import run_reporting_errors
from atdt.cli.run import print_summary
from atdt.presets import experiments_dir
from atdt.world.standard import COUNTS, DATA, SIZE, ensure_world_data, world_data_needed

DIRECTIONS = (("depth", "semantic", "dep2sem"), ("semantic", "depth", "sem2dep"))
# the demo's time over the bare time of its task networks' steps: 1.68 on a 2-core AMD EPYC with
# AVX-512 (9.9 min at 6.79 bare steps/s), 1.61 on a 2-core Intel Xeon with AMX (21.3 min at 3.04)
# (docs/performance.md)
OVERHEAD = 1.65


def main(argv: list[str] | None = None) -> int:
    from atdt.config import ExperimentConfig
    from atdt.method.experiment import run_experiment
    from atdt.method.validation import validate_experiment
    from atdt.typed_config import load_config

    overrides = list(argv if argv is not None else sys.argv[1:])
    t0 = time.perf_counter()
    configs = [load_config(ExperimentConfig, experiments_dir() / "demo.yaml",
                           [f"name=demo/{name}", f"task_source={source}", f"task_target={target}", *overrides])
               for source, target, name in DIRECTIONS]
    # the standard world data the configs read (clean, camera, camera's proxy depth), unless overridden
    domains, proxy = world_data_needed(d for cfg in configs for d in (cfg.domain_a, cfg.domain_b))
    if domains:
        print(f"[demo] world data in {DATA} ({SIZE[0]}x{SIZE[1]}: {COUNTS})")
        ensure_world_data(domains, proxy_depth=proxy, print_fn=lambda m: print(f"[demo] {m}"))
        print(f"[demo] data ready after {time.perf_counter() - t0:.0f} s")
    for cfg in configs:  # before the step rate is measured on the network they set
        validate_experiment(cfg)
    print_expected_time(configs)
    finished = [run_experiment(cfg) for cfg in configs]
    for results in finished:
        print_summary(results)
    print(f"\n[demo] finished in {(time.perf_counter() - t0) / 60:.1f} min")
    return 0


def print_expected_time(configs, seconds: float = 4.0) -> None:
    """The step rate of the demo's network on this machine, measured for a few seconds, and the
    time the demo should take from nothing at that rate: its task networks' steps cost
    ``OVERHEAD`` times their bare time once G, feature caching and evaluation are counted."""
    from atdt.data import NUM_CLASSES
    from atdt.engine.machine import describe_cpu, measure_step_rate

    first = configs[0]
    rate = measure_step_rate(first.network, NUM_CLASSES, batch_size=first.n1.batch_size, size=SIZE, seconds=seconds)
    steps = sum(c.n1.steps + c.n2.steps + c.oracle.steps for c in configs)
    minutes = steps / rate * OVERHEAD / 60
    print(f"[demo] {describe_cpu()}: {rate:.2f} training steps/s of the demo's network; "
          f"{steps} steps of task networks -> expect about {minutes:.0f} min from nothing (less where "
          "trained networks are reused)", flush=True)


if __name__ == "__main__":
    sys.exit(run_reporting_errors("demo", main))
