"""The report of a study (``atdt.method.study``): for each table, every point's methods (the
``methods`` its config evaluated, in that order) on B's and on A's test split as mean ± std over
seeds with the paper's rows beside them, how much each method beats the Baseline by (more than one
std of the per-seed difference?), and wall times; one chart per table (bars, or lines over a grid
key as the paper's Fig. 4) and a JSON file with the numbers.

A point's paper rows are ``PAPER_TABLES[point.table].settings[point.label]`` where they exist;
any other table is reported the same way without them (with ``PAPER_NOTES[table]`` where the paper
studies it without numbers). ``study.metrics`` chooses the metrics tabulated and plotted (those of
each table's task; default its key metrics), ``study.on`` the test splits shown. The caller names
the methods (``Names``: their display labels, and the key of each one's row on A).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from typing import NamedTuple

from atdt.data.io import write_text
from atdt.report.figures import bar_chart, line_chart
from atdt.report.paper import PAPER_NOTES, PAPER_ON_A, PAPER_TABLES
from atdt.report.results import rows, scored_splits
from atdt.report.see_also import COMMAND, SCORES, SUMMARY, see_also
from atdt.report.tables import markdown_table, metric_value
from atdt.tasks import TASKS

CHART_METRICS = {"semantic": ("miou",), "depth": ("abs_rel", "d1"), "normals": ("mean",)}  # default: one chart each
DOMAINS = {"b": "B", "a": "A"}
REFERENCES = ("baseline", "oracle")  # the rows every other method is compared with, not against


class Names(NamedTuple):
    """What the report calls the methods, given by the caller (``atdt.method.methods.report_names``)."""

    labels: dict[str, str]  # display label of each key of results.json: a method, or a row on A
    on_a: dict[str, str]  # method -> the key of its row on A's test split (methods with one)


def beats_baseline(per_seed: list[dict], task: str, metric: str, method: str = "atdt", baseline: str = "baseline") -> dict:
    """Per seed, how much ``method`` improves on ``baseline`` (positive = better, whichever way the
    metric points); ``beats`` is whether the mean improvement exceeds one sample std of it
    (None with fewer than two seeds: one seed has no spread to compare with)."""
    sign = 1.0 if TASKS[task].metric(metric).higher_is_better else -1.0
    diffs = [sign * (metric_value(r["methods"][method], metric) - metric_value(r["methods"][baseline], metric))
             for r in per_seed]
    diffs = [d for d in diffs if not math.isnan(d)]
    mean = sum(diffs) / len(diffs) if diffs else math.nan
    std = (sum((d - mean) ** 2 for d in diffs) / (len(diffs) - 1)) ** 0.5 if len(diffs) > 1 else math.nan
    return {"metric": metric, "improvement": diffs, "mean": mean, "std": std, "seeds": len(diffs),
            "beats": bool(mean > std) if len(diffs) > 1 else None}


def _methods(p) -> list[str]:
    return list(p.results["methods"])  # the order of the point's ``methods``


def _union(points) -> list[str]:
    return list(dict.fromkeys(m for p in points for m in _methods(p)))


def _compared(p, reference: str = "baseline") -> list[str]:
    """The methods of a point measured against ``reference`` (none where the point lacks it): every
    method but the Baseline, the Oracle and the reference itself (against AT/DT: the other transfer methods)."""
    methods = _methods(p)
    return [m for m in methods if m not in (*REFERENCES, reference)] if reference in methods else []


VERSUS = {"baseline": "the Baseline", "atdt": "AT/DT"}  # what each method's per-seed gain is measured against


def _gains(p, task: str, metrics: tuple[str, ...], reference: str) -> dict:
    """{method: {metric: beats_baseline(...)}}: each method compared with ``reference`` (``_compared``)."""
    return {m: {k: beats_baseline(p.per_seed, task, k, m, reference) for k in metrics} for m in _compared(p, reference)}


def _metrics(study, task: str, default: dict | None = None) -> tuple[str, ...]:
    chosen = tuple(m for m in study.metrics if m in TASKS[task].metric_keys)
    return chosen or (default[task] if default else TASKS[task].key_metrics)


def _metric_name(task: str, metric: str) -> str:
    return TASKS[task].metric(metric).title


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


def _verdict(b: dict) -> str:
    if b["beats"] is None:
        return "n/a (one seed)"
    return "**yes**" if b["beats"] else "no"


def _fmt(value: float, task: str, metric: str, signed: bool = False) -> str:
    decimals = TASKS[task].metric(metric).decimals
    return "-" if math.isnan(value) else f"{value:{'+' if signed else ''}.{decimals}f}"


def _with_std(mean: float, std: float, task: str, metric: str, signed: bool = False) -> str:
    return _fmt(mean, task, metric, signed) + ("" if math.isnan(std) else f" ± {_fmt(std, task, metric)}")


def _mean_std(p, method: str, metric: str, names: Names, domain: str = "b") -> tuple[float, float]:
    """A method's mean and std over seeds on B's test split, or on A's (its row there, ``names.on_a``)."""
    key, group = (method, "methods") if domain == "b" else (names.on_a.get(method), "on_domain_a")
    std = p.results.get("std", {}).get(group, {}).get(key)
    return metric_value(p.results.get(group, {}).get(key), metric), metric_value(std, metric)


def _setting_section(p, task: str, metrics: tuple[str, ...], names: Names) -> list[str]:
    r, paper = p.results, _paper_setting(p)
    seeds = [s["seed"] for s in p.per_seed]
    title = _heading(p) + (f" (paper: {paper.domain_a} → {paper.domain_b})" if paper else "")
    overrides = " ".join(f"`{o}`" for o in p.point.overrides) or "none"
    lines = [f"### {title}", "", f"Point `{p.point.name}`, overrides {overrides}; seeds {', '.join(map(str, seeds))}; "
             f"wall time {p.wall_s / 60:.1f} min this run, {p.wall_s_total / 60:.1f} min over all runs.", ""]
    ours = rows(r["methods"], names.labels, r.get("std", {}).get("methods"))
    theirs = rows(paper.methods, names.labels, prefix="Paper: ") if paper else []
    lines.append(markdown_table(task, ours, *([theirs] if theirs else [])))
    for reference, reference_label in VERSUS.items():
        for method, by_metric in _gains(p, task, metrics, reference).items():
            label = names.labels.get(method, method)
            improvements = [f"{_metric_name(task, metric)} {_with_std(b['mean'], b['std'], task, metric, True)} "
                            f"(more than one std: {_verdict(b)})" for metric, b in by_metric.items()]
            lines += [f"{label}'s gain over {reference_label} per seed (positive = {label} better; mean ± std over "
                      "seeds): " + "; ".join(improvements) + ".", ""]
    if r.get("depth_scale", 1.0) != 1.0:
        lines += [f"Depth of networks trained on A rescaled by f_B / f_A = {r['depth_scale']:.3f}.", ""]
    return lines


def split_name(points: list, domain: str = "b") -> str:
    """The split the points were scored on (their results' ``splits``, from ``domain_<domain>.test_split``:
    "test", or "val" in a study that chooses settings), named in the report's headings."""
    names = {scored_splits(p.results)[domain] for p in points}
    return names.pop() if len(names) == 1 else "/".join(sorted(names))


def _on_a_section(table: str, points: list, task: str, names: Names) -> list[str]:
    groups = [rows(p.results["on_domain_a"], names.labels, p.results.get("std", {}).get("on_domain_a"),
                   f"({p.point.label}) " if p.point.label else f"{p.point.name}: ") for p in points]
    paper = PAPER_ON_A.get(table) if table in PAPER_TABLES and PAPER_TABLES[table].task_target == task else None
    if paper:
        groups.append(rows(paper.methods, names.labels, prefix=f"Paper ({paper.domain_a}; B = {paper.domain_b}): "))
    settings = {p.point.label: s for p in points if (s := _paper_setting(p)) is not None and s.on_a}
    for label, s in settings.items():
        groups.append(rows(s.on_a, names.labels, prefix=f"Paper ({label}: {s.domain_a}; B = {s.domain_b}): "))
    supplementary = f" (supplementary {table.replace('tab', 'Tab. ')})" if paper else ""
    return [f"### On A's {split_name(points, 'a')} split{supplementary}", "",
            "Each method's row on A (the Baseline's is N2 itself): the cost of translating features between tasks "
            "with no domain shift.", "", markdown_table(task, *groups)]


def _summary(tables: dict, study, names: Names) -> list[str]:
    """One row per point: its table's first metric for every method of the study, AT/DT's gain."""
    points = [p for pts in tables.values() for p in pts]
    methods = _union(points)
    papers = [s for p in points if (s := _paper_setting(p)) is not None]
    cited = [m for m in methods if m not in ("oracle",) and any(m in s.methods for s in papers)]
    label = names.labels.get
    header = ["Table", "Setting", "Metric", *(label(m, m) for m in methods), "AT/DT's gain per seed", "> 1 std"]
    header += [f"Paper: {' / '.join(label(m, m) for m in cited)}"] if cited else []
    lines = ["| " + " | ".join(header + ["Wall time (min)"]) + " |", "|" + "---|" * (len(header) + 1)]
    for table, pts in tables.items():
        for p in pts:
            task = p.results["task_target"]
            metric = _metrics(study, task)[0]
            cells = [_with_std(*_mean_std(p, m, metric, names), task, metric) if m in p.results["methods"] else "-"
                     for m in methods]
            if "atdt" in _compared(p):
                b = beats_baseline(p.per_seed, task, metric)
                cells += [_with_std(b["mean"], b["std"], task, metric, True), _verdict(b)]
            else:
                cells += ["-", "-"]
            paper = _paper_setting(p)
            if cited:
                cells.append(" / ".join(_fmt(metric_value(paper.methods.get(m), metric), task, metric) for m in cited)
                             if paper else "-")
            lines.append(f"| {table} | {_heading(p)} | {_metric_name(task, metric)} | {' | '.join(cells)} | "
                         f"{p.wall_s_total / 60:.1f} |")
    return lines + [""]


def _chart(study, points: list, task: str, path: Path, title: str, names: Names) -> Path:
    panels = []
    line = study.plot == "line"
    for metric in _metrics(study, task, CHART_METRICS):
        series, dashed, groups = {}, [], {}
        for m in _union(points):
            for domain in (study.on if line else study.on[:1]):
                if domain == "a" and m not in names.on_a:
                    continue
                label = names.labels.get(m, m) + (f" on {DOMAINS[domain]}" if line else "")
                pairs = [_mean_std(p, m, metric, names, domain) for p in points]
                series[label], groups[label] = ([v for v, _ in pairs], [s for _, s in pairs]), m
                dashed += [label] if domain == "a" else []
        arrow = "higher is better" if TASKS[task].metric(metric).higher_is_better else "lower is better"
        panels.append({"ylabel": f"{_metric_name(task, metric)} ({arrow})", "series": series, "dashed": dashed,
                       "groups": groups})
    if line:
        key = next(iter(study.grid))
        x = [(p.point.values or {}).get(key) for p in points]
        return line_chart(x, key, panels, path, title=f"{title} (mean ± std over seeds)")
    return bar_chart([_heading(p) for p in points], panels, path,
                     title=f"{title} (mean ± std over seeds, {DOMAINS[study.on[0]]}'s {split_name(points, study.on[0])} split)")


def _table_title(table: str, points: list) -> str:
    r = points[0].results
    paper = PAPER_TABLES.get(table)
    if paper is not None and paper.task_target == r["task_target"]:
        return paper.title
    if table in PAPER_NOTES:
        return PAPER_NOTES[table][0]
    return f"{table}: {TASKS[r['task_source']].short} → {TASKS[r['task_target']].short}"


def _numbers(p, task: str, metrics: tuple[str, ...], names: Names) -> dict:
    r, paper = p.results, _paper_setting(p)
    vs = _gains(p, task, metrics, "baseline")
    on_a = {m: key for m in _methods(p) if (key := names.on_a.get(m)) in r.get("on_domain_a", {})}
    return {"point": p.point.name, "table": p.point.table, "label": p.point.label, "overrides": list(p.point.overrides),
            "values": p.point.values, "task_source": r["task_source"], "task_target": task, "domain_a": r["domain_a"],
            "domain_b": r["domain_b"], "seeds": [s["seed"] for s in p.per_seed], "wall_s": round(p.wall_s, 1),
            "wall_s_total": round(p.wall_s_total, 1), "methods": r["methods"], "std": r.get("std", {}).get("methods", {}),
            "on_domain_a": r["on_domain_a"], "on_domain_a_std": r.get("std", {}).get("on_domain_a", {}),
            "per_seed": {str(s["seed"]): {m: {k: metric_value(s["methods"].get(m), k) for k in metrics}
                                          for m in _methods(p)} for s in p.per_seed},
            "per_seed_on_a": {str(s["seed"]): {key: {k: metric_value(s.get("on_domain_a", {}).get(key), k) for k in metrics}
                                               for key in on_a.values()} for s in p.per_seed},
            "vs_baseline": vs, "atdt_vs_baseline": vs.get("atdt"), "vs_atdt": _gains(p, task, metrics, "atdt"),
            "paper": {"domain_a": paper.domain_a, "domain_b": paper.domain_b, "methods": paper.methods,
                      "on_a": paper.on_a} if paper else None}


def write_study_report(study, points: list, doc, *, command: str, names: Names, assets=None, json_path=None) -> dict:
    """Write ``doc`` (markdown), the JSON of the numbers (default ``<doc without suffix>/<study>.json``)
    and one ``<study>-<table>.png`` per table in ``assets`` (default the folder ``<doc without
    suffix>``). ``points`` are ``atdt.method.study.PointResult``s."""
    doc = Path(doc)
    assets = Path(assets) if assets is not None else doc.with_suffix("")
    tables: dict[str, list] = {}
    for p in points:
        tables.setdefault(p.point.table or "results", []).append(p)
    wall, wall_total = sum(p.wall_s for p in points), sum(p.wall_s_total for p in points)
    shown = " and ".join(f"{DOMAINS[d]}'s" for d in study.on)
    lines = [f"# Study `{study.name}`", "",
             f"{COMMAND}`{command}` (base preset `{study.base}`; rerunning it resumes: finished steps are reused).",
             f"Wall time: {wall / 60:.1f} min this run, {wall_total / 60:.1f} min over all runs of the study.", "",
             f"{SCORES}{shown} {split_name(points)} split, mean ± std (sample std) over seeds; mIoU, Acc and IoU in %. Rows marked "
             "*Paper* are the paper's own numbers (ICCV 2019, its datasets and networks) for the setting ours stands "
             "in for. *AT/DT's gain*: its per-seed improvement over the Baseline (positive = better, for "
             "lower-is-better metrics too), mean ± std over seeds; *more than one std*: that mean exceeds that std. "
             "Each setting also gives every other method's gain over the Baseline and, for a transfer method "
             "besides AT/DT, over AT/DT.", "",
             SUMMARY, ""] + _summary(tables, study, names)
    numbers = {"study": study.name, "base": study.base, "command": command, "grid": study.grid,
               "metrics": list(study.metrics), "plot": study.plot, "on": list(study.on), "wall_s": round(wall, 1),
               "wall_s_total": round(wall_total, 1), "tables": {}}
    charts = []
    for table, pts in tables.items():
        task = pts[0].results["task_target"]
        if any(p.results["task_target"] != task for p in pts):
            raise ValueError(f"table {table} mixes target tasks; give each task its own table")
        title, metrics = _table_title(table, pts), _metrics(study, task)
        chart = _chart(study, pts, task, assets / f"{study.name}-{table}.png", title, names)
        charts.append(chart)
        lines += [f"## {title}", ""]
        if table in PAPER_NOTES and table not in PAPER_TABLES:
            lines += [PAPER_NOTES[table][1], ""]
        lines += [f"![{title}]({Path(os.path.relpath(chart, doc.parent)).as_posix()})", ""]
        if "b" in study.on:
            for p in pts:
                lines += _setting_section(p, task, metrics, names)
        if "a" in study.on:
            lines += _on_a_section(table, pts, task, names)
        numbers["tables"][table] = {"title": title, "task": task, "metrics": list(metrics),
                                    "settings": [_numbers(p, task, metrics, names) for p in pts]}
    lines += see_also(study.see_also, doc)
    write_text(doc, "\n".join(lines))
    json_path = Path(json_path) if json_path is not None else assets / f"{study.name}.json"
    write_text(json_path, json.dumps(numbers, indent=1, default=float, allow_nan=True) + "\n")
    return {"doc": doc, "json": json_path, "charts": charts}
