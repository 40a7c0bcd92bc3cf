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

PRESETS = ("tiny", "demo", "paper")


def experiments_dir() -> Path:
    """The shipped presets: package data of atdt (``src/atdt/experiments`` links to the top-level
    ``experiments/`` of a checkout; a wheel holds the files themselves)."""
    import atdt

    return Path(atdt.__file__).resolve().parent / "experiments"


def resolve_shipped(name: str, folder: Path, what: str, shipped_as: str, choices: str) -> Path:
    """A YAML path as given, else ``folder/<name>.yaml`` shipped with atdt; the error lists ``choices``."""
    path = Path(name)
    if path.is_file():
        return path
    shipped = folder / f"{name}.yaml"
    if shipped.is_file():
        return shipped
    raise FileNotFoundError(f"no {what} file {name!r} and no {shipped_as} of that name ({choices})")


def resolve_experiment(name: str) -> Path:
    return resolve_shipped(name, experiments_dir(), "experiment", "preset", f"presets: {', '.join(PRESETS)}")


def add_arguments(parser) -> None:
    parser.add_argument("experiment", help="YAML file or preset name: " + ", ".join(PRESETS))
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
