"""The report of a study (``atdt.method.study``): for each table, every setting's Baseline / AT/DT /
Oracle on B's test split as mean ± std over seeds with the paper's rows beside them, the same on A
(N2 vs AT/DT, supplementary Tab. 1-2), whether AT/DT beats the Baseline by more than one std of the
per-seed difference, and wall times; one bar chart per table and a JSON file with the numbers.

A point's paper rows are ``PAPER_TABLES[point.table].settings[point.label]`` where they exist;
any other table (a later study's) is reported the same way without them. Charts and JSON go to
the folder named after the document without its suffix (docs/results.md -> docs/results/).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from atdt.report.paper import PAPER_ON_A, PAPER_TABLES
from atdt.report.results import LABELS
from atdt.report.tables import higher_is_better, markdown_table, metric_value

ARROW = {"semantic": "Sem.", "depth": "Dep.", "normals": "Norm."}
KEY_METRICS = {"semantic": ("miou", "acc"), "depth": ("abs_rel", "d1"), "normals": ("mean", "a11")}
CHART_METRICS = {"semantic": ("miou",), "depth": ("abs_rel", "d1"), "normals": ("mean",)}
METRIC_NAMES = {"miou": "mIoU (%)", "acc": "Acc (%)", "abs_rel": "Abs Rel", "d1": "δ1", "mean": "mean angle (°)",
                "a11": "<11.25°"}
METHODS = ("baseline", "atdt", "oracle")


def beats_baseline(per_seed: list[dict], task: str, metric: str, method: str = "atdt", baseline: str = "baseline") -> dict:
    """Per seed, how much ``method`` improves on ``baseline`` (positive = better, whichever way the
    metric points); ``beats`` is whether the mean improvement exceeds one sample std of it
    (None with fewer than two seeds: one seed has no spread to compare with)."""
    sign = 1.0 if higher_is_better(task, metric) else -1.0
    diffs = [sign * (metric_value(r["methods"][method], metric) - metric_value(r["methods"][baseline], metric))
             for r in per_seed]
    diffs = [d for d in diffs if not math.isnan(d)]
    mean = sum(diffs) / len(diffs) if diffs else math.nan
    std = (sum((d - mean) ** 2 for d in diffs) / (len(diffs) - 1)) ** 0.5 if len(diffs) > 1 else math.nan
    return {"metric": metric, "improvement": diffs, "mean": mean, "std": std, "seeds": len(diffs),
            "beats": bool(mean > std) if len(diffs) > 1 else None}


def _short(domain: str) -> str:
    return domain.split("/")[-1]


def _heading(p) -> str:
    r = p.results
    return f"({p.point.label}) " * bool(p.point.label) + f"{_short(r['domain_a'])} → {_short(r['domain_b'])}"


def _paper_setting(p):
    table = PAPER_TABLES.get(p.point.table)
    if table is None or table.task_target != p.results["task_target"]:
        return None
    return table.settings.get(p.point.label)


def _rows(scores: dict, stds: dict | None, keys, prefix: str = "") -> list[tuple]:
    return [(prefix + LABELS.get(k, k), scores[k], (stds or {}).get(k)) for k in keys if k in scores]


def _verdict(b: dict) -> str:
    if b["beats"] is None:
        return "n/a (one seed)"
    return "**yes**" if b["beats"] else "no"


def _fmt(value: float, metric: str, signed: bool = False) -> str:
    decimals = 2 if metric in ("miou", "acc") or metric.startswith("iou") or metric in ("mean", "a11") else 3
    return "-" if math.isnan(value) else f"{value:{'+' if signed else ''}.{decimals}f}"


def _with_std(mean: float, std: float, metric: str, signed: bool = False) -> str:
    return _fmt(mean, metric, signed) + ("" if math.isnan(std) else f" ± {_fmt(std, metric)}")


def _mean_std(p, method: str, metric: str) -> tuple[float, float]:
    std = p.results.get("std", {}).get("methods", {}).get(method)
    return metric_value(p.results["methods"].get(method), metric), metric_value(std, metric)


def _setting_section(p, task: str) -> list[str]:
    r, paper = p.results, _paper_setting(p)
    seeds = [s["seed"] for s in p.per_seed]
    title = _heading(p) + (f" (paper: {paper.domain_a} → {paper.domain_b})" if paper else "")
    overrides = " ".join(f"`{o}`" for o in p.point.overrides) or "none"
    lines = [f"### {title}", "", f"Point `{p.point.name}`, overrides {overrides}; seeds {', '.join(map(str, seeds))}; "
             f"wall time {p.wall_s / 60:.1f} min this run, {p.wall_s_total / 60:.1f} min over all runs.", ""]
    ours = _rows(r["methods"], r.get("std", {}).get("methods"), METHODS)
    theirs = _rows(paper.methods, None, METHODS, "Paper: ") if paper else []
    lines.append(markdown_table(task, ours, *([theirs] if theirs else [])))
    improvements = []
    for metric in KEY_METRICS[task]:
        b = beats_baseline(p.per_seed, task, metric)
        improvements.append(f"{METRIC_NAMES[metric]} {_with_std(b['mean'], b['std'], metric, True)} "
                            f"(more than one std: {_verdict(b)})")
    lines += ["AT/DT's gain over the Baseline per seed (positive = AT/DT better; mean ± std over seeds): "
              + "; ".join(improvements) + ".", ""]
    if r.get("depth_scale", 1.0) != 1.0:
        lines += [f"Depth of networks trained on A rescaled by f_B / f_A = {r['depth_scale']:.3f}.", ""]
    return lines


def _on_a_section(table: str, points: list, task: str) -> list[str]:
    groups = [_rows(p.results["on_domain_a"], p.results.get("std", {}).get("on_domain_a"), ("n2", "atdt"),
                    f"({p.point.label}) " if p.point.label else f"{p.point.name}: ") for p in points]
    paper = PAPER_ON_A.get(table) if table in PAPER_TABLES and PAPER_TABLES[table].task_target == task else None
    if paper:
        groups.append(_rows(paper.methods, None, ("n2", "atdt"), f"Paper ({paper.domain_a}; B = {paper.domain_b}): "))
    supplementary = f" (supplementary {table.replace('tab', 'Tab. ')})" if paper else ""
    return [f"### On A's test split: N2 vs AT/DT{supplementary}", "", "The cost of translating features between tasks with no domain shift.", "",
            markdown_table(task, *groups)]


def _summary(tables: dict) -> list[str]:
    lines = ["| Table | Setting | Metric | Baseline | AT/DT | Oracle | AT/DT's gain per seed | > 1 std | "
             "Paper: Baseline / AT/DT | Wall time (min) |", "|" + "---|" * 10]
    for table, points in tables.items():
        for p in points:
            task = p.results["task_target"]
            metric = KEY_METRICS[task][0]
            cells = [_with_std(*_mean_std(p, m, metric), metric) for m in METHODS]
            b, paper = beats_baseline(p.per_seed, task, metric), _paper_setting(p)
            theirs = " / ".join(_fmt(metric_value(paper.methods.get(m), metric), metric)
                                for m in ("baseline", "atdt")) if paper else "-"
            lines.append(f"| {table} | {_heading(p)} | {METRIC_NAMES[metric]} | {' | '.join(cells)} | "
                         f"{_with_std(b['mean'], b['std'], metric, True)} | {_verdict(b)} | {theirs} | "
                         f"{p.wall_s_total / 60:.1f} |")
    return lines + [""]


def _chart(table: str, points: list, task: str, path: Path, title: str) -> Path:
    from atdt.report.figures import bar_chart

    panels = []
    for metric in CHART_METRICS[task]:
        series = {}
        for m in METHODS:
            pairs = [_mean_std(p, m, metric) for p in points]
            series[LABELS[m]] = ([v for v, _ in pairs], [s for _, s in pairs])
        arrow = "higher is better" if higher_is_better(task, metric) else "lower is better"
        panels.append({"ylabel": f"{METRIC_NAMES[metric]} ({arrow})", "series": series})
    return bar_chart([_heading(p) for p in points], panels, path, title=f"{title} (mean ± std over seeds, B's test split)")


def _table_title(table: str, points: list) -> str:
    r = points[0].results
    paper = PAPER_TABLES.get(table)
    if paper is not None and paper.task_target == r["task_target"]:
        return paper.title
    return f"{table}: {ARROW[r['task_source']]} → {ARROW[r['task_target']]}"


def _numbers(p, task: str) -> dict:
    r, paper = p.results, _paper_setting(p)
    return {"point": p.point.name, "table": p.point.table, "label": p.point.label, "overrides": list(p.point.overrides),
            "task_source": r["task_source"], "task_target": task, "domain_a": r["domain_a"], "domain_b": r["domain_b"],
            "seeds": [s["seed"] for s in p.per_seed], "wall_s": round(p.wall_s, 1), "wall_s_total": round(p.wall_s_total, 1),
            "methods": r["methods"], "std": r.get("std", {}).get("methods", {}), "on_domain_a": r["on_domain_a"],
            "on_domain_a_std": r.get("std", {}).get("on_domain_a", {}),
            "per_seed": {str(s["seed"]): {m: {k: metric_value(s["methods"].get(m), k) for k in KEY_METRICS[task]}
                                          for m in METHODS} for s in p.per_seed},
            "atdt_vs_baseline": {k: beats_baseline(p.per_seed, task, k) for k in KEY_METRICS[task]},
            "paper": {"domain_a": paper.domain_a, "domain_b": paper.domain_b, "methods": paper.methods} if paper else None}


def write_study_report(study, points: list, doc, *, command: str) -> dict:
    """Write ``doc`` (markdown), and beside it ``<doc without suffix>/<study>.json`` and one
    ``<study>-<table>.png`` per table. ``points`` are ``atdt.method.study.PointResult``s."""
    doc = Path(doc)
    assets = doc.with_suffix("")
    tables: dict[str, list] = {}
    for p in points:
        tables.setdefault(p.point.table or "results", []).append(p)
    wall, wall_total = sum(p.wall_s for p in points), sum(p.wall_s_total for p in points)
    lines = [f"# Study `{study.name}`", "",
             f"Command: `{command}` (base preset `{study.base}`; rerunning it resumes: finished steps are reused).",
             f"Wall time: {wall / 60:.1f} min this run, {wall_total / 60:.1f} min over all runs of the study.", "",
             "Scores on B's test split, mean ± std (sample std) over seeds; mIoU, Acc and IoU in %. Rows marked "
             "*Paper* are the paper's own numbers (ICCV 2019, its datasets and networks) for the setting ours stands "
             "in for. *AT/DT's gain*: its per-seed improvement over the Baseline (positive = better, for "
             "lower-is-better metrics too), mean ± std over seeds; *more than one std*: that mean exceeds that std.", "",
             "## Summary", ""] + _summary(tables)
    numbers = {"study": study.name, "base": study.base, "command": command, "wall_s": round(wall, 1),
               "wall_s_total": round(wall_total, 1), "tables": {}}
    charts = []
    for table, pts in tables.items():
        task = pts[0].results["task_target"]
        if any(p.results["task_target"] != task for p in pts):
            raise ValueError(f"table {table} mixes target tasks; give each task its own table")
        title = _table_title(table, pts)
        chart = _chart(table, pts, task, assets / f"{study.name}-{table}.png", title)
        charts.append(chart)
        lines += [f"## {title}", "", f"![{title}]({Path(os.path.relpath(chart, doc.parent)).as_posix()})", ""]
        for p in pts:
            lines += _setting_section(p, task)
        lines += _on_a_section(table, pts, task)
        numbers["tables"][table] = {"title": title, "task": task, "settings": [_numbers(p, task) for p in pts]}
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text("\n".join(lines))
    json_path = assets / f"{study.name}.json"
    json_path.write_text(json.dumps(numbers, indent=1, default=float, allow_nan=True) + "\n")
    return {"doc": doc, "json": json_path, "charts": charts}
