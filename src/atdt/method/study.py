"""Running a study (``atdt.method.study_file``): every point, one after the other, through
``run_experiment``, gathered for one report (``atdt.report.study``). A study never reaches inside
the runner: each point is an ``ExperimentConfig`` handed to ``run_experiment``, which reuses every
finished step, so rerunning a study resumes it."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from atdt.config import ExperimentConfig
from atdt.data.io import write_text
from atdt.engine import make_fabric
from atdt.engine.fabric import rank_zero, rank_zero_result
from atdt.engine.lock import folder_lock
from atdt.engine.machine import resolve_runtime
from atdt.method.experiment import run_experiment
from atdt.method.study_file import Point, Study, point_configs
from atdt.method.validation import validate_experiment
from atdt.typed_config import ConfigError


@dataclass(frozen=True)
class PointResult:
    point: Point
    config: ExperimentConfig
    results: dict  # run_experiment's dict: the seed's results, or the mean over seeds with "std"
    per_seed: list[dict]  # each seed's results.json, in config.seeds order
    wall_s: float  # this invocation (a point reused from an earlier run costs its evaluation only)
    wall_s_total: float  # all invocations of the study on this output folder, summed


def seed_results(cfg: ExperimentConfig) -> list[dict]:
    """Each seed's results.json of a finished experiment (the per-seed numbers behind its mean)."""
    root = Path(cfg.out) / cfg.name
    return [json.loads((root / f"seed{seed}" / "results.json").read_text()) for seed in cfg.seeds]


def _record_wall_time(cfg: ExperimentConfig, study: Study, point: Point, seconds: float) -> float:
    """Append this invocation's time to <out>/<study>/wall_times.json; returns the point's total."""
    ledger = Path(cfg.out) / study.name / "wall_times.json"
    times = json.loads(ledger.read_text()) if ledger.is_file() else {}
    times.setdefault(point.name, []).append(round(seconds, 1))
    write_text(ledger, json.dumps(times, indent=1) + "\n")
    return sum(times[point.name])


def _one_launch(study: Study, configs) -> None:
    """Every point runs on the processes the first one starts: the same devices, nodes and strategy."""
    def launch(cfg):
        r = cfg.runtime
        return {"accelerator": r.accelerator, "devices": r.devices, "num_nodes": r.num_nodes, "strategy": r.strategy}

    first = launch(configs[0][1])
    for point, cfg in configs[1:]:
        if launch(cfg) != first:
            raise ConfigError(f"study {study.name}, point {point.name}: runtime {launch(cfg)} differs from the first "
                              f"point's {first}; every point runs on the same processes")


def run_study(study: Study, extra_overrides=(), print_fn=print, wait: bool = False) -> list[PointResult]:
    """Run every point of the study in order (finished steps are reused, so a rerun resumes).
    Under DDP every process runs every point; rank 0 alone prints and writes, and every process
    returns the same results. The study's folder <out>/<study> is locked meanwhile, and each
    point's, an experiment's, by ``run_experiment`` (``atdt.engine.lock``); ``wait``: wait for
    another run holding either."""
    configs = point_configs(study, extra_overrides)
    for _, cfg in configs:  # every point, before the first trains: a bad value fails the whole study
        validate_experiment(cfg)
    said: list[str] = []  # precision auto resolves alike for every point: said once per study
    configs = [(point, resolve_runtime(cfg, said.append)) for point, cfg in configs]
    for line in dict.fromkeys(said):
        print_fn(line)
    _one_launch(study, configs)
    with folder_lock(Path(configs[0][1].out) / study.name, wait=wait, print_fn=print_fn):
        return _run_points(study, configs, print_fn, wait)


def _run_points(study: Study, configs: list, print_fn, wait: bool) -> list[PointResult]:
    fabric = make_fabric(configs[0][1].runtime)  # under DDP the other processes start here, before any output
    print_fn = rank_zero(fabric, print_fn)
    print_fn(f"[study {study.name}] {len(configs)} points, base {study.base}, seeds {list(configs[0][1].seeds)}")
    done = []
    for k, (point, cfg) in enumerate(configs, 1):
        print_fn(f"[study {study.name}] point {k}/{len(configs)}: {point.name} ({point.table} {point.label})")
        t0 = time.perf_counter()
        results = run_experiment(cfg, print_fn, wait=wait)
        wall = fabric.broadcast(time.perf_counter() - t0)  # rank 0's clock, in every process's results
        total = rank_zero_result(fabric, lambda: _record_wall_time(cfg, study, point, wall))
        done.append(PointResult(point, cfg, results, seed_results(cfg), wall, total))
        print_fn(f"[study {study.name}] {point.name} finished in {wall / 60:.1f} min")
    return done
