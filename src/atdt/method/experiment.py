"""The experiment runner: the four steps, Baseline and Oracle for each seed, with reuse of
finished steps, resumption of killed ones, and mean ± std over seeds."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from atdt.config import DataConfig, ExperimentConfig, save_config, to_dict
from atdt.data import load_dataset
from atdt.engine.reuse import data_key, network_inputs, prepare_run

STEPS = ("n1", "n2", "oracle", "transfer")


def _open(data: DataConfig, split: str, *, train: bool):
    kwargs = {"limit": data.limit, "depth_root": data.depth_root, "skip_bad": data.skip_bad} if train else {}
    return load_dataset(data.name, data.root, split, **kwargs, **data.options)


def run_seed(cfg: ExperimentConfig, folder: Path, print_fn=print) -> dict:
    """All steps and evaluations of one seed into ``folder``; returns its results dict."""
    from atdt.engine import evaluate, make_fabric, mean_focal
    from atdt.method.predictor import export_predictor
    from atdt.method.steps import (
        feature_loss,
        step1_train_source,
        step2_train_target,
        step3_train_transfer,
        step4_transfer,
        train_oracle,
    )
    from atdt.report.figures import qualitative_figure, tsne_figure
    from atdt.report.results import write_seed_results
    from atdt.tasks import get_task

    folder.mkdir(parents=True, exist_ok=True)
    save_config(cfg, folder / "config.yaml")
    fabric = make_fabric(cfg.runtime)
    timings, t0 = {}, time.perf_counter()
    a, b = cfg.domain_a, cfg.domain_b
    train_a, train_b = _open(a, a.train_split, train=True), _open(b, b.train_split, train=True)
    data_a, data_b = data_key(a, train_a), data_key(b, train_b)

    def prepare(step: str, inputs: dict) -> str:  # reuse, resume, or move aside (engine/reuse.py)
        # a network that another experiment under out/ trained with the same inputs is adopted
        fp = prepare_run(folder / step, inputs, print_fn, primary=fabric.is_global_zero, search_root=cfg.out)
        fabric.barrier()
        return fp

    rt = cfg.runtime
    fp1 = prepare("n1", network_inputs(cfg.task_source, [data_a, data_b], cfg.network, cfg.n1, rt))
    n1 = step1_train_source(cfg, train_a, train_b, folder / "n1", fabric)
    timings["n1"] = time.perf_counter() - t0
    fp2 = prepare("n2", network_inputs(cfg.task_target, [data_a], cfg.network, cfg.n2, rt))
    n2 = step2_train_target(cfg, train_a, folder / "n2", fabric)
    timings["n2"] = time.perf_counter() - t0 - sum(timings.values())
    prepare("oracle", network_inputs(cfg.task_target, [data_b], cfg.network, cfg.oracle, rt))
    oracle = train_oracle(cfg, train_b, folder / "oracle", fabric)
    timings["oracle"] = time.perf_counter() - t0 - sum(timings.values())
    g_net = {k: v for k, v in to_dict(cfg.transfer).items() if k != "train"}
    prepare("transfer", network_inputs("transfer", [data_a], g_net, cfg.transfer.train, rt, builds_on=(fp1, fp2)))
    g = step3_train_transfer(cfg, n1, n2, train_a, folder / "transfer", fabric)
    timings["transfer"] = time.perf_counter() - t0 - sum(timings.values())

    task = get_task(cfg.task_target)
    test_a, test_b = _open(a, a.test_split, train=False), _open(b, b.test_split, train=False)
    if cfg.eval_limit is not None:
        from atdt.data.subset import first_n

        test_a, test_b = first_n(test_a, min(cfg.eval_limit, len(test_a))), first_n(test_b, min(cfg.eval_limit, len(test_b)))
    # networks trained on A see B's images through A's camera: rescale depth by f_B / f_A
    scale = mean_focal(test_b) / mean_focal(test_a) if task.name == "depth" else 1.0
    atdt = step4_transfer(n1, g, n2, depth_scale=scale)
    device = fabric.device
    for m in (n1, n2, oracle, atdt):
        m.to(device).eval()
    ev = {"device": device, "progress": cfg.runtime.progress}
    methods = {
        "baseline": evaluate(n2, test_b, task, depth_scale=scale, desc="baseline on B", **ev),
        "atdt": evaluate(atdt, test_b, task, depth_scale=scale, desc="AT/DT on B", **ev),
        "oracle": evaluate(oracle, test_b, task, desc="oracle on B", **ev),
    }
    on_a = {
        "n2": evaluate(n2, test_a, task, desc="N2 on A", **ev),
        "atdt": evaluate(step4_transfer(n1, g, n2), test_a, task, desc="AT/DT on A", **ev),
    }
    val_a = _open(a, a.val_split, train=False)
    transfer_loss = {"val_a": feature_loss(n1.encoder, g, n2.encoder, val_a, device),
                     "test_b": feature_loss(n1.encoder, g, n2.encoder, test_b, device)}
    timings["evaluate"] = time.perf_counter() - t0 - sum(timings.values())
    export_predictor(atdt, folder / "atdt_predictor.pt", task_source=cfg.task_source, task_target=task.name,
                     network=cfg.network, transfer=cfg.transfer, meta={"depth_scale": scale})
    figure = qualitative_figure({"Baseline": n2, "AT/DT": atdt}, test_b, task, folder / "figures" / "qualitative.png",
                                depth_scale=scale, device=device)
    figures = [figure, tsne_figure(n1.encoder, g, n2.encoder, test_a, folder / "figures" / "tsne.png", device=device)]
    results = {
        "name": cfg.name, "seed": cfg.runtime.seed, "task_source": cfg.task_source, "task_target": cfg.task_target,
        "domain_a": train_a.domain, "domain_b": test_b.domain, "depth_scale": scale, "methods": methods,
        "on_domain_a": on_a, "transfer_loss": transfer_loss, "timings_s": timings,
        "figures": [str(f) for f in figures], "folder": str(folder), "config": to_dict(cfg),
    }
    write_seed_results(results, folder)
    return results


def run_experiment(cfg: ExperimentConfig, print_fn=print) -> dict:
    """One folder per seed under out/name; with several seeds, results aggregated as mean ± std."""
    from atdt.report.results import write_aggregate
    from atdt.validate import validate_experiment

    validate_experiment(cfg)  # before anything trains or any folder is made
    root = Path(cfg.out) / cfg.name
    per_seed = []
    for seed in cfg.seeds:
        print_fn(f"[{cfg.name}] seed {seed}: {cfg.task_source} -> {cfg.task_target}, "
                 f"A = {cfg.domain_a.root}, B = {cfg.domain_b.root}")
        seed_cfg = replace(cfg, runtime=replace(cfg.runtime, seed=seed), seeds=(seed,))
        per_seed.append(run_seed(seed_cfg, root / f"seed{seed}", print_fn))
    return write_aggregate(per_seed, root) if len(per_seed) > 1 else per_seed[0]
