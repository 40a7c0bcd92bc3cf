"""An experiment's config checked before anything trains or any folder is made: ``validate_experiment``.

Only the networks the chosen methods need are checked, each by its own type
(``atdt.method.network_types.TYPES``: its settings, named by the block that holds them), with the
splits they read: every training split with the labels each network learns from, and the
evaluation splits of A and B. All problems are reported at once (``atdt.validate.raise_problems``).
"""

from __future__ import annotations

from pathlib import Path

from atdt.config import ExperimentConfig
from atdt.data.ids import leaves_folder
from atdt.method.methods import METHODS, networks_for
from atdt.method.network_table import DERIVED, NETWORKS
from atdt.method.network_types import TYPES, declare
from atdt.tasks import TASKS, label_keys
from atdt.validate import (check_domain, check_network, check_runtime, check_seed, output_problem, positive,
                           raise_problems)


def _check_methods(problems: list, methods: tuple[str, ...]) -> list[str]:
    """Problems with ``methods``; returns the known ones."""
    choices = ", ".join(METHODS)
    unknown = [m for m in methods if m not in METHODS]
    if not methods:
        problems.append(f"methods: needs at least one method; choose from: {choices}")
    if unknown:
        problems.append(f"methods: unknown {', '.join(map(repr, unknown))}; choose from: {choices}")
    if len(set(methods)) != len(methods):
        problems.append(f"methods: must be unique, got {list(methods)}")
    return [m for m in methods if m in METHODS]


def _check_settings(problems: list, cfg: ExperimentConfig) -> None:
    """The keys of the experiment itself: its name and output folder, tasks, seeds, network, runtime."""
    if not cfg.name.strip() or leaves_folder(cfg.name):  # the same rule as a sample id under its root
        problems.append(f"name: must be a relative folder name under out/, got {cfg.name!r}")
    for folder in (Path(cfg.out), Path(cfg.out) / cfg.name):
        if (problem := output_problem(folder)) is not None:
            problems.append(f"out: {problem}")
            break
    for key, task in (("task_source", cfg.task_source), ("task_target", cfg.task_target)):
        if task not in TASKS:
            problems.append(f"{key}: unknown task {task!r}; choose one of: {', '.join(TASKS)}")
    if cfg.task_source == cfg.task_target:
        problems.append(f"task_source and task_target must differ (both are {cfg.task_source!r})")
    if not cfg.seeds:
        problems.append("seeds: needs at least one seed, e.g. seeds=0 or seeds=0,1,2")
    elif len(set(cfg.seeds)) != len(cfg.seeds):
        problems.append(f"seeds: must be unique, got {list(cfg.seeds)}")
    for seed in cfg.seeds:
        check_seed(problems, "seeds", seed)
    positive(problems, "eval_limit", cfg.eval_limit)
    check_network(problems, "network", cfg.network)
    check_runtime(problems, "runtime", cfg.runtime)


def validate_experiment(cfg: ExperimentConfig) -> None:
    """Everything `atdt run` will need, checked up front; raises ConfigError listing every problem."""
    problems: list[str] = []
    _check_settings(problems, cfg)
    needed = {name: declare(name, cfg) for name in networks_for(_check_methods(problems, cfg.methods))}
    trains: dict[str, list[str]] = {}  # domain -> label keys its training split must carry
    for name, declared in needed.items():
        net = NETWORKS[name]
        TYPES[net.type].check(net, declared, cfg, problems)
        for domain in net.domains:  # a derived domain (B like A) carries its source's labels
            labels = trains.setdefault(DERIVED[domain].source if domain in DERIVED else domain, [])
            labels += [k for k in declared.labels_for(domain) if k not in labels]
    made_from = {d.source for d in DERIVED.values() if d.made_by in needed}  # every split of it is made anew
    t2 = label_keys(cfg.task_target)
    for key, data in cfg.domains.items():
        evaluation = {"val_split": (), "test_split": t2} if key == "a" or key in made_from else {"test_split": t2}
        train = {"train_split": tuple(trains[key])} if key in trains else {}
        check_domain(problems, f"domain_{key}", data, {**train, **evaluation})
    if not problems:  # what a network reads of splits that open
        for name, declared in needed.items():
            net = NETWORKS[name]
            if TYPES[net.type].check_data is not None:
                TYPES[net.type].check_data(net, declared, cfg, problems)
    raise_problems(problems, f"experiment config {cfg.name!r}")
