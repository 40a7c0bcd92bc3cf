"""Result tables in the paper's layouts (Tab. 1 semantic, Tab. 2 depth), as markdown or text; the
columns, their directions and decimals are the task's metrics (``atdt.tasks.Task.metrics``).

rows: a list of ``(label, scores)`` or ``(label, scores, stds)``; scores are the dicts of
atdt.metrics; stds, when given, print as ``mean ± std`` (several seeds). ``markdown_table`` takes
further groups of rows (e.g. the paper's own numbers below ours), the best bolded within each.
"""

from __future__ import annotations

import math

from atdt.tasks import get_task


def metric_value(scores: dict | None, key: str) -> float:
    """scores[key] for a dotted key such as ``iou.road``; NaN where absent."""
    if scores is None:
        return math.nan
    for part in key.split("."):
        scores = scores.get(part, math.nan) if isinstance(scores, dict) else math.nan
    return float(scores)


def _cells(task: str, rows: list[tuple], bold_best: bool) -> tuple[list[str], list[list[str]]]:
    cols = [m for m in get_task(task).metrics if m.table]
    best = {}
    if bold_best and len(rows) > 1:
        for m in cols:
            values = [metric_value(r[1], m.key) for r in rows if not math.isnan(metric_value(r[1], m.key))]
            if values and max(values) != min(values):  # nothing to highlight when all rows tie
                best[m.key] = max(values) if m.higher_is_better else min(values)
    body = []
    for row in rows:
        label, scores = row[0], row[1]
        stds = row[2] if len(row) > 2 else None
        cells = [label]
        for m in cols:
            value, std = metric_value(scores, m.key), metric_value(stds, m.key)
            text = "-" if math.isnan(value) else f"{value:.{m.decimals}f}"
            if stds is not None and not math.isnan(std) and text != "-":
                text += f" ± {std:.{m.decimals}f}"
            if m.key in best and not math.isnan(value) and round(value, m.decimals) == round(best[m.key], m.decimals):
                text = f"**{text}**"
            cells.append(text)
        body.append(cells)
    return ["Method"] + [m.header for m in cols], body


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
