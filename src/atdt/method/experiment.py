"""The experiment runner: the four steps, Baseline and Oracle for each seed, with reuse of
finished steps, resumption of killed ones, and mean ± std over seeds."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from dataclasses import replace
from pathlib import Path

from atdt.config import DataConfig, ExperimentConfig, save_config, to_dict
from atdt.data import load_dataset

STEPS = ("n1", "n2", "oracle", "transfer")


def fingerprint(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def prepare_step(run_dir: Path, print_fn, *parts) -> str:
    """A step folder is reused only if its fingerprint (config + inputs) is unchanged; otherwise
    it is cleared so the step reruns from scratch. A matching unfinished step resumes."""
    fp = fingerprint(*parts)
    marker = run_dir / "fingerprint.txt"
    if run_dir.exists() and (not marker.is_file() or marker.read_text().strip() != fp):
        print_fn(f"  {run_dir.name}: config or inputs changed, rerunning")
        shutil.rmtree(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    marker.write_text(fp + "\n")
    state = "reused" if (run_dir / "checkpoints" / "final.ckpt").is_file() else (
        "resuming" if (run_dir / "checkpoints" / "last.ckpt").is_file() else "training")
    print_fn(f"  {run_dir.name}: {state}")
    return fp


def _open(data: DataConfig, split: str, *, train: bool):
    kwargs = {"limit": data.limit, "depth_root": data.depth_root} if train else {}
    return load_dataset(data.name, data.root, split, **kwargs, **data.options)


def _describe(data: DataConfig) -> dict:
    """What a step's training data depends on (val/test splits do not change a trained network)."""
    return {k: v for k, v in to_dict(data).items() if k not in ("val_split", "test_split")}


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
    net, seed = to_dict(cfg.network), cfg.runtime.seed

    fp1 = prepare_step(folder / "n1", print_fn, "n1", cfg.task_source, net, to_dict(cfg.n1), _describe(a), _describe(b), seed)
    n1 = step1_train_source(cfg, train_a, train_b, folder / "n1", fabric)
    timings["n1"] = time.perf_counter() - t0
    fp2 = prepare_step(folder / "n2", print_fn, "n2", cfg.task_target, net, to_dict(cfg.n2), _describe(a), seed)
    n2 = step2_train_target(cfg, train_a, folder / "n2", fabric)
    timings["n2"] = time.perf_counter() - t0 - sum(timings.values())
    prepare_step(folder / "oracle", print_fn, "oracle", cfg.task_target, net, to_dict(cfg.oracle), _describe(b), seed)
    oracle = train_oracle(cfg, train_b, folder / "oracle", fabric)
    timings["oracle"] = time.perf_counter() - t0 - sum(timings.values())
    prepare_step(folder / "transfer", print_fn, "transfer", to_dict(cfg.transfer), fp1, fp2, seed)
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
    export_predictor(atdt, task.name, folder / "atdt_predictor.pt", meta={"depth_scale": scale})
    figure = qualitative_figure({"Baseline": n2, "AT/DT": atdt}, test_b, task, folder / "figures" / "qualitative.png",
                                depth_scale=scale, device=device)
    figures = [figure, tsne_figure(n1.encoder, g, n2.encoder, test_a, folder / "figures" / "tsne.png", device=device)]
    results = {
        "name": cfg.name, "seed": seed, "task_source": cfg.task_source, "task_target": cfg.task_target,
        "domain_a": train_a.domain, "domain_b": test_b.domain, "depth_scale": scale, "methods": methods,
        "on_domain_a": on_a, "transfer_loss": transfer_loss, "timings_s": timings,
        "figures": [str(f) for f in figures], "folder": str(folder), "config": to_dict(cfg),
    }
    write_seed_results(results, folder)
    return results


def run_experiment(cfg: ExperimentConfig, print_fn=print) -> dict:
    """One folder per seed under out/name; with several seeds, results aggregated as mean ± std."""
    from atdt.report.results import write_aggregate

    root = Path(cfg.out) / cfg.name
    per_seed = []
    for seed in cfg.seeds:
        print_fn(f"[{cfg.name}] seed {seed}: {cfg.task_source} -> {cfg.task_target}, "
                 f"A = {cfg.domain_a.root}, B = {cfg.domain_b.root}")
        seed_cfg = replace(cfg, runtime=replace(cfg.runtime, seed=seed), seeds=(seed,))
        per_seed.append(run_seed(seed_cfg, root / f"seed{seed}", print_fn))
    return write_aggregate(per_seed, root) if len(per_seed) > 1 else per_seed[0]
