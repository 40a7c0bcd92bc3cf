"""The experiment runner: for each seed, train what the chosen methods need (``networks``),
evaluate each method (``methods``), write the report; mean ± std over seeds. Finished networks
are reused and killed ones resume; nothing here names a particular network or method.

Under DDP every process trains every network (and checks that they all hold the same one);
rank 0 alone evaluates, prints and writes, and every process returns rank 0's results."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from atdt.config import ExperimentConfig
from atdt.data import open_split
from atdt.data.subset import first_n
from atdt.engine import evaluate, make_fabric, mean_focal
from atdt.engine.fabric import rank_zero, rank_zero_result
from atdt.engine.lock import folder_lock
from atdt.engine.machine import resolve_runtime
from atdt.engine.reuse import evaluation_key
from atdt.method.methods import METHODS, Evaluation, depth_scale, labels, networks_for
from atdt.method.network_table import DERIVED
from atdt.method.seed_run import SeedRun, ensure_network
from atdt.method.validation import validate_experiment
from atdt.report.figures import qualitative_figure
from atdt.report.results import stored_results, write_aggregate, write_seed_results
from atdt.tasks import get_task
from atdt.typed_config import save_config, to_dict


def open_evaluation(run: SeedRun) -> Evaluation:
    """What every method of a seed is scored on: the test split of each domain a method is tested on
    (``eval_limit`` applied), A's validation split, and, for depth, B's focal ratio f_B / f_A."""
    cfg, fabric = run.cfg, run.fabric
    task = get_task(cfg.task_target)
    test = {}
    for domain in dict.fromkeys(["a", "b", *(METHODS[m].test_on for m in cfg.methods)]):
        data = run.domain(domain)
        test[domain] = open_split(data, data.test_split, train=False)
        if cfg.eval_limit is not None:
            test[domain] = first_n(test[domain], min(cfg.eval_limit, len(test[domain])))
    a = cfg.domain_a
    # networks trained on A see B's images through A's camera: depth scales by f_B / f_A
    ratio = mean_focal(test["b"]) / mean_focal(test["a"]) if task.name == "depth" else 1.0
    return Evaluation(cfg, task, test, open_split(a, a.val_split, train=False), ratio, fabric.device, run.folder)


def _test_split(ev: Evaluation, domain: str) -> str:
    """The name of a domain's test split (a derived domain, B like A, keeps its source's names)."""
    return ev.cfg.domains[DERIVED[domain].source if domain in DERIVED else domain].test_split


def evaluate_methods(run: SeedRun, ev: Evaluation) -> dict:
    """Every chosen method on the test split it names (``test_on``: B's, or B like A's), those with
    an ``on_a`` row on A's too (through their ``predictor_a`` where they have one), the qualitative
    figure of each such split and each method's extras; the part of results.json they fill."""
    chosen = {name: METHODS[name] for name in run.cfg.methods}
    predictors = {name: m.predictor(run.networks).to(ev.device).eval() for name, m in chosen.items()}
    kw = {"device": ev.device, "progress": run.cfg.runtime.progress}
    on_b = {name: evaluate(predictors[name], ev.test[m.test_on], ev.task, depth_scale=depth_scale(m, m.test_on, ev),
                           desc=f"{m.label} on {ev.test[m.test_on].domain}", split=_test_split(ev, m.test_on), **kw)
            for name, m in chosen.items()}
    on_a = {}
    for name, m in ((name, m) for name, m in chosen.items() if m.on_a):
        predictor = m.predictor_a(run.networks).to(ev.device).eval() if m.predictor_a else predictors[name]
        on_a[m.on_a[0]] = evaluate(predictor, ev.test["a"], ev.task, depth_scale=depth_scale(m, "a", ev),
                                   desc=f"{m.on_a[1]} on A", split=_test_split(ev, "a"), **kw)
    figures, extras = [], {}
    for domain in dict.fromkeys(m.test_on for m in chosen.values()):  # one figure per test split: B, B like A
        shown = {m.label: name for name, m in chosen.items() if m.figure and m.test_on == domain}
        if shown:
            figures.append(str(qualitative_figure(
                {label: predictors[name] for label, name in shown.items()}, ev.test[domain], ev.task,
                ev.folder / "figures" / ("qualitative.png" if domain == "b" else f"qualitative-{domain}.png"),
                device=ev.device, depth_scale={label: depth_scale(chosen[name], domain, ev) for label, name in shown.items()})))
    for m in chosen.values():
        if m.extras is not None:
            more = m.extras(run.networks, ev)
            figures += more.pop("figures", [])
            extras.update(more)
    tested_on = {name: ev.test[m.test_on].domain for name, m in chosen.items()}
    return {"methods": on_b, "tested_on": tested_on, "on_domain_a": on_a, **extras, "figures": figures}


def run_seed(cfg: ExperimentConfig, folder: Path, print_fn=print, fabric=None) -> dict:
    """One seed into ``folder``: the networks its methods need, then their evaluation; returns
    its results dict. Under DDP every process trains, rank 0 alone evaluates and writes files,
    and every process returns rank 0's results."""
    fabric = fabric or make_fabric(cfg.runtime)
    print_fn = rank_zero(fabric, print_fn)
    rank_zero_result(fabric, lambda: save_config(cfg, folder / "config.yaml"))
    run = SeedRun(cfg, folder, fabric, print_fn)
    for name in networks_for(cfg.methods):
        ensure_network(name, run)
    # scored once, on the whole test splits: every process holds the same networks (ensure_network
    # checked), so the others wait for rank 0's numbers rather than score shards of their own
    return rank_zero_result(fabric, lambda: _scored(run))


def _scored(run: SeedRun) -> dict:
    """The seed's results: stored ones when results.json scored these networks on these splits,
    else every method evaluated and the report written."""
    cfg, folder = run.cfg, run.folder
    key = evaluation_key(cfg.name, cfg.methods, run.fingerprints, cfg.domains, cfg.eval_limit)
    if (stored := stored_results(folder, key)) is not None:
        run.print_fn(f"  evaluation: reused ({folder / 'results.json'} scored these networks on these splits)")
        return stored
    t0 = time.perf_counter()
    ev = open_evaluation(run)
    for network in run.networks.values():
        network.to(ev.device).eval()
    evaluated = evaluate_methods(run, ev)
    figures = evaluated.pop("figures")
    results = {
        "name": cfg.name, "seed": cfg.runtime.seed, "task_source": cfg.task_source, "task_target": cfg.task_target,
        "domain_a": ev.test["a"].domain, "domain_b": ev.test["b"].domain, "depth_scale": ev.focal_ratio,
        "splits": {"a": cfg.domain_a.test_split, "b": cfg.domain_b.test_split},
        **evaluated,
        "timings_s": {**run.timings, "evaluate": time.perf_counter() - t0}, "evaluation": key,
        "figures": figures, "folder": str(folder), "config": to_dict(cfg),
    }
    write_seed_results(results, folder, labels())
    return results


def run_experiment(cfg: ExperimentConfig, print_fn=print, wait: bool = False) -> dict:
    """One folder per seed under out/name; with several seeds, results aggregated as mean ± std.
    The folder is locked while the experiment runs (``atdt.engine.lock``): another run into it
    refuses, or with ``wait`` waits for this one to end."""
    validate_experiment(cfg)  # before anything trains or any folder is made
    cfg = resolve_runtime(cfg, print_fn)  # precision auto: what this machine computes natively
    with folder_lock(Path(cfg.out) / cfg.name, wait=wait, print_fn=print_fn):
        return _run_seeds(cfg, print_fn)


def _run_seeds(cfg: ExperimentConfig, print_fn) -> dict:
    fabric = make_fabric(cfg.runtime)
    print_fn = rank_zero(fabric, print_fn)
    root = Path(cfg.out) / cfg.name
    per_seed = []
    for seed in cfg.seeds:
        print_fn(f"[{cfg.name}] seed {seed}: {cfg.task_source} -> {cfg.task_target}, "
                 f"A = {cfg.domain_a.root}, B = {cfg.domain_b.root}; {', '.join(cfg.methods)}")
        seed_cfg = replace(cfg, runtime=replace(cfg.runtime, seed=seed), seeds=(seed,))
        fabric.seed_everything(seed, verbose=False)
        per_seed.append(run_seed(seed_cfg, root / f"seed{seed}", print_fn, fabric))
    if len(per_seed) == 1:
        return per_seed[0]
    return rank_zero_result(fabric, lambda: write_aggregate(per_seed, root, labels()))
