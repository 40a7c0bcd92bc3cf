"""Run a whole AT/DT experiment for every seed: the methods it lists (by default the Baseline,
AT/DT and the Oracle) and the networks they need.

EXPERIMENT is a YAML file or a shipped preset (tiny, demo, paper). Examples:
  atdt run demo task_source=semantic task_target=depth
  atdt run experiments/demo.yaml seeds=0,1,2 n1.steps=400
  atdt run demo methods=[baseline,oracle]
"""

from __future__ import annotations

from pathlib import Path

from atdt.cli.common import add_wait
from atdt.presets import EXPERIMENTS, resolve_experiment

def add_arguments(parser) -> None:
    parser.add_argument("experiment", help="YAML file or preset name: " + ", ".join(EXPERIMENTS))
    parser.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="config overrides, e.g. seeds=0,1,2")
    add_wait(parser)


def run(args) -> int:
    from atdt.config import ExperimentConfig
    from atdt.engine.fabric import is_global_zero
    from atdt.method.experiment import run_experiment
    from atdt.typed_config import load_config

    cfg = load_config(ExperimentConfig, resolve_experiment(args.experiment), args.overrides)
    results = run_experiment(cfg, wait=args.wait)  # the same on every process under DDP: printed once
    if is_global_zero():
        print_summary(results)
    return 0


def print_summary(results: dict) -> None:
    from atdt.method.methods import labels
    from atdt.report.tables import text_table

    stds = results.get("std", {})
    task = results["task_target"]
    print(f"\n{results['name']}: {results['task_source']} -> {task}, A = {results['domain_a']}, B = {results['domain_b']}")
    names = labels()
    rows = [(names.get(k, k), v, stds.get("methods", {}).get(k)) for k, v in results["methods"].items()]
    print(text_table(task, rows))
    folder = Path(results["folder"])
    print(f"results: {folder / 'results.md'}")
    for fig in results.get("figures", []):
        print(f"figure:  {fig if Path(fig).exists() else folder / fig}")
