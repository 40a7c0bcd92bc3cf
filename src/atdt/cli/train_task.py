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
    from atdt.engine.train_task import train_and_score
    from atdt.report.tables import text_table
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
    metrics = train_and_score(cfg, run_dir, wait=args.wait)  # one writer per run folder (atdt.engine.lock)
    if metrics is not None:  # rank 0 prints
        print(f"run folder: {run_dir}")
        if metrics:
            print(text_table(cfg.task, list(metrics.items())))
    return 0
