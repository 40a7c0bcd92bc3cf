"""Evaluate a trained run (a task network, or an exported AT/DT predictor) on a dataset and
print the paper-layout table.

Example: atdt evaluate runs/task --data world:data/world/camera:test
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from atdt.cli.common import positive_float, positive_int


def scores_name(name: str, root, split: str) -> str:
    """eval-<format>-<root folder>-<6 hex of the resolved root>-<split>.json: scoring two roots
    (even two folders both called `camera`) keeps both files."""
    resolved = Path(root).resolve()
    tag = hashlib.sha256(str(resolved).encode()).hexdigest()[:6]
    return f"eval-{name}-{resolved.name or 'root'}-{tag}-{split}.json"


def add_arguments(parser) -> None:
    parser.add_argument("run", help="run folder of `atdt train-task`, or an AT/DT predictor file (.pt)")
    parser.add_argument("--data", required=True, help="NAME:ROOT[:SPLIT], e.g. world:data/world/camera:test")
    parser.add_argument("--limit", type=positive_int, help="evaluate the first N images only")
    parser.add_argument("--depth-scale", type=positive_float, help="multiply depth predictions (focal ratio f_target / f_source; "
                        "default: the one stored in an AT/DT export, else 1)")
    parser.add_argument("--json", help="where to write the scores (default: RUN/eval-<name>-<root>-<hash>-<split>.json)")
    parser.add_argument("--batch-size", type=positive_int, default=4)


def run(args) -> int:
    import json
    import sys

    from atdt.cli.common import parse_data_spec
    from atdt.data import load_dataset
    from atdt.data.io import check_outputs, write_text
    from atdt.engine import default_device, evaluate, final_checkpoint
    from atdt.method.predictor import load_predictor
    from atdt.report.tables import text_table
    from atdt.validate import output_problem

    name, root, split = parse_data_spec(args.data)
    run = Path(args.run)
    out = Path(args.json) if args.json else (run if run.is_dir() else run.parent) / scores_name(name, root, split)
    if (problem := output_problem(out, file=True)) is not None:  # before scoring, not after
        raise ValueError(f"--json: {problem}; give a file that can be written (--json PATH)")
    dataset = load_dataset(name, root, split)
    # the scores file must not replace the predictor or a file of the dataset
    check_outputs([out], [final_checkpoint(run) if run.is_dir() else run,
                          *(p for i in range(len(dataset)) for p in dataset.files(i))])
    device = default_device()
    model, task = load_predictor(args.run, device)
    scores = evaluate(model, dataset, task, batch_size=args.batch_size, device=device, limit=args.limit, split=split,
                      depth_scale=args.depth_scale if args.depth_scale is not None else getattr(model, "depth_scale", 1.0))
    print(text_table(task.name, [(f"{dataset.domain}/{split}", scores)]))  # shown whatever happens to the file
    try:
        write_text(out, json.dumps({"data": args.data, "task": task.name, "scores": scores}, indent=2))
    except OSError as err:
        print(f"atdt evaluate: error: the scores above could not be written to {out}: {err.strerror or err}",
              file=sys.stderr)
        return 1
    print(f"scores written to {out}")
    return 0
