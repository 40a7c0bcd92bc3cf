"""Result tables in the paper's layouts (Tab. 1 semantic, Tab. 2 depth), as markdown or text.

rows: a list of ``(label, scores)`` or ``(label, scores, stds)``; scores are the dicts of
atdt.metrics; stds, when given, print as ``mean ± std`` (several seeds). ``markdown_table`` takes
further groups of rows (e.g. the paper's own numbers below ours), the best bolded within each.
"""

from __future__ import annotations

import math

from atdt.data.classes import CLASSES

SEMANTIC_HEADERS = ("Road", "Sidewalk", "Walls", "Fence", "Person", "Poles", "Vegetation", "Vehicles",
                    "Tr. Signs", "Building", "Sky")
DEPTH_COLUMNS = (("abs_rel", "Abs Rel"), ("sq_rel", "Sq Rel"), ("rmse", "RMSE"), ("rmse_log", "RMSE log"),
                 ("d1", "δ1"), ("d2", "δ2"), ("d3", "δ3"))
NORMAL_COLUMNS = (("mean", "Mean"), ("median", "Median"), ("a11", "<11.25°"), ("a22", "<22.5°"), ("a30", "<30°"))


def _columns(task: str) -> list[tuple[str, str, bool, int]]:
    """(key, header, higher_is_better, decimals) per column."""
    if task == "semantic":
        cols = [(f"iou.{c}", h, True, 2) for c, h in zip(CLASSES, SEMANTIC_HEADERS)]
        return cols + [("miou", "mIoU", True, 2), ("acc", "Acc", True, 2)]
    if task == "depth":
        return [(k, h, k.startswith("d"), 3) for k, h in DEPTH_COLUMNS]
    if task == "normals":
        return [(k, h, k.startswith("a"), 2) for k, h in NORMAL_COLUMNS]
    raise ValueError(f"no table layout for task {task!r}; choose semantic, depth or normals")


def metric_keys(task: str) -> list[str]:
    """The metric keys of a task's table, in column order (``iou.road``, ..., ``miou``, ``acc``)."""
    return [k for k, *_ in _columns(task)]


def higher_is_better(task: str, key: str) -> bool:
    """Whether a larger value of metric ``key`` (e.g. ``miou``, ``iou.road``, ``abs_rel``) is better."""
    for k, _, higher, _ in _columns(task):
        if k == key:
            return higher
    raise ValueError(f"no metric {key!r} for task {task!r}; choose one of: {', '.join(metric_keys(task))}")


def metric_value(scores: dict | None, key: str) -> float:
    """scores[key] for a dotted key such as ``iou.road``; NaN where absent."""
    if scores is None:
        return math.nan
    for part in key.split("."):
        scores = scores.get(part, math.nan) if isinstance(scores, dict) else math.nan
    return float(scores)


def _cells(task: str, rows: list[tuple], bold_best: bool) -> tuple[list[str], list[list[str]]]:
    cols = _columns(task)
    best = {}
    if bold_best and len(rows) > 1:
        for key, _, higher, _ in cols:
            values = [metric_value(r[1], key) for r in rows if not math.isnan(metric_value(r[1], key))]
            if values and max(values) != min(values):  # nothing to highlight when all rows tie
                best[key] = max(values) if higher else min(values)
    body = []
    for row in rows:
        label, scores = row[0], row[1]
        stds = row[2] if len(row) > 2 else None
        cells = [label]
        for key, _, _, decimals in cols:
            value = metric_value(scores, key)
            text = "-" if math.isnan(value) else f"{value:.{decimals}f}"
            std = metric_value(stds, key)
            if stds is not None and not math.isnan(std) and text != "-":
                text += f" ± {std:.{decimals}f}"
            if key in best and not math.isnan(value) and round(value, decimals) == round(best[key], decimals):
                text = f"**{text}**"
            cells.append(text)
        body.append(cells)
    return ["Method"] + [h for _, h, _, _ in cols], body


def markdown_table(task: str, rows: list[tuple], *more_groups: list[tuple], bold_best: bool = True) -> str:
    header, body = _cells(task, rows, bold_best)
    for group in more_groups:
        body += _cells(task, group, bold_best)[1]
    lines = []
    if task == "depth":
        lines.append("| | Lower is better | | | | Higher is better | | |")
        lines.append("|" + "---|" * len(header))
        lines.append("| " + " | ".join(header) + " |")
    else:
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "---|" * len(header))
    lines += ["| " + " | ".join(cells) + " |" for cells in body]
    return "\n".join(lines) + "\n"


def text_table(task: str, rows: list[tuple]) -> str:
    header, body = _cells(task, rows, bold_best=False)
    widths = [max(len(r[i]) for r in [header] + body) for i in range(len(header))]
    fmt = lambda cells: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    lines = [fmt(header), "  ".join("-" * w for w in widths)] + [fmt(c) for c in body]
    if task == "depth":
        lines.append("(Abs Rel, Sq Rel, RMSE, RMSE log: lower is better; δ1-δ3: higher is better)")
    return "\n".join(lines) + "\n"
