"""Train one dense task network N = D(E(x)) from a TaskTrainConfig YAML file.

Example: atdt train-task experiments/train_task_example.yaml train.steps=200 --devices 2
"""

from __future__ import annotations

from atdt.cli.common import add_overrides, add_wait


def add_arguments(parser) -> None:
    parser.add_argument("config", help="TaskTrainConfig YAML file")
    add_overrides(parser)
    parser.add_argument("--out", help="run folder (default: the config's `out`)")
    parser.add_argument("--devices", type=int, help="processes/GPUs (2 on CPU = two-process DDP)")
    parser.add_argument("--num-nodes", type=int, help="nodes (with torchrun or a cluster launcher)")
    parser.add_argument("--accelerator", help="auto | cpu | cuda | mps")
    add_wait(parser)


def run(args) -> int:
    from pathlib import Path

    from atdt.config import TaskTrainConfig
    from atdt.engine.lock import folder_lock
    from atdt.typed_config import load_config
    from atdt.validate import output_problem, validate_task_training

    overrides = list(args.overrides)
    for flag, key in ((args.devices, "runtime.devices"), (args.num_nodes, "runtime.num_nodes"),
                      (args.accelerator, "runtime.accelerator")):
        if flag is not None:
            overrides.append(f"{key}={flag}")
    cfg = load_config(TaskTrainConfig, args.config, overrides)
    validate_task_training(cfg)  # before anything trains or any folder is made
    run_dir = Path(args.out or cfg.out)
    problem = output_problem(run_dir)
    if problem:
        raise ValueError(f"run folder: {problem}; give another (--out or the config's `out`)")
    with folder_lock(run_dir, wait=args.wait):  # one writer per run folder (atdt.engine.lock)
        return _train(cfg, run_dir)


def _train(cfg, run_dir) -> int:
    import json

    from atdt.data import load_dataset
    from atdt.data.io import write_text
    from atdt.engine import evaluate, make_fabric, train_task_network
    from atdt.engine.fabric import rank_zero
    from atdt.engine.reuse import data_key, network_inputs, prepare_run
    from atdt.report.tables import text_table
    from atdt.tasks import get_task

    task = get_task(cfg.task)
    datasets = [load_dataset(d.name, d.root, d.train_split, limit=d.limit, depth_root=d.depth_root,
                             skip_bad=d.skip_bad, **d.options) for d in cfg.domains]
    # the same rule as `atdt run`: a network trained on other data, task or settings is moved aside
    inputs = network_inputs(cfg.task, [data_key(d, ds) for d, ds in zip(cfg.domains, datasets)], cfg.network,
                            cfg.train, cfg.runtime)
    # under DDP make_fabric starts the other processes (each runs this command again); rank 0 alone
    # moves or marks the run folder
    fabric = make_fabric(cfg.runtime)
    prepare_run(run_dir, inputs, rank_zero(fabric), primary=fabric.is_global_zero)
    fabric.barrier()
    model = train_task_network(cfg.task, datasets, network=cfg.network, train=cfg.train, runtime=cfg.runtime,
                               run_dir=run_dir, config=cfg, fabric=fabric)
    if not fabric.is_global_zero:
        return 0
    rows, metrics = [], {}
    for d in cfg.domains:
        val = load_dataset(d.name, d.root, d.val_split, **d.options)
        if task.label_key not in val.labels:
            continue
        scores = evaluate(model.to(fabric.device), val, task, device=fabric.device, progress=cfg.runtime.progress,
                          split=d.val_split)
        metrics[f"{val.domain}/{d.val_split}"] = scores
        rows.append((f"{val.domain}/{d.val_split}", scores))
    write_text(run_dir / "metrics.json", json.dumps(metrics, indent=2))
    print(f"run folder: {run_dir}")
    if rows:
        print(text_table(task.name, rows))
    return 0
