"""The study file: a list of AT/DT experiments (points) that share a base preset and seeds, and what
their report shows. ``load_study`` reads one, ``point_configs`` gives each point's
``ExperimentConfig``; ``atdt.method.study.run_study`` runs them.

A study file (YAML, ``experiments/studies/<name>.yaml``); unknown keys fail, naming the key:

    name: reproduce          # points run into <out>/<name>/<point>/
    base: demo               # experiment preset or YAML file every point starts from
    seeds: [0, 1, 2]
    overrides: []            # key=value overrides for every point
    points:
      - name: dep2sem-a      # folder name of the point
        table: tab1          # which table of the report it belongs to
        label: a             # its row group in that table, e.g. (a), (b), (c) as in the paper
        overrides:           # key=value overrides of this point (block lists: a flow list
          - task_source=depth  #   [a=1, b=2,3] would split at every comma)
    grid:                    # optional: one point per combination of values (with points: of
      network.split_level: [1, 2, 3, 4]  # each point), named from the values: split_level-1, ...
    metrics: [miou, acc]     # optional: what the report tabulates and plots (default: the task's key
                             #   metrics); a table uses those of its target task
    plot: line               # bar (default: one group per point) or line (x: the first grid key, one
                             #   line per method and domain, as the paper's Fig. 4)
    on: [b, a]               # the test splits the report shows (default both: B, then A)
    see_also:                # optional: other studies' reports (markdown, relative to the working
      - docs/studies/cyclegan.md  #   folder) whose summary tables close this report, with a link
    doc: docs/results.md     # optional: where the whole study's report goes without --doc (default
                             #   <out>/<name>/study.md; a run of some --points always goes there)

Overrides apply in this order: ``seeds``, the study's, the point's, the grid's, the command line's
(so ``atdt study reproduce seeds=0`` runs one seed), then ``name=<study>/<point>``. The methods a
point evaluates are its config's ``methods`` (an override such as ``methods=[baseline,atdt]``).
Rerunning a study resumes it: ``run_experiment`` reuses every finished step.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import MISSING, dataclass, fields, replace
from pathlib import Path

from atdt.config import ExperimentConfig
from atdt.presets import resolve_experiment
from atdt.tasks import TASKS
from atdt.typed_config import ConfigError, from_dict, load_config, read_yaml


@dataclass(frozen=True)
class Point:
    """One experiment of a study: the base preset plus ``overrides``."""

    name: str
    table: str = ""
    label: str = ""
    overrides: tuple[str, ...] = ()
    values: dict | None = None  # its grid values (key -> value), None for a listed point


@dataclass(frozen=True)
class Study:
    name: str
    base: str
    seeds: tuple[int, ...] = (0,)
    overrides: tuple[str, ...] = ()
    points: tuple[Point, ...] = ()  # after loading: every point, the grid's included
    grid: dict | None = None  # key -> list of values
    metrics: tuple[str, ...] = ()  # () = the key metrics of each table's task
    plot: str = "bar"
    on: tuple[str, ...] = ("b", "a")
    see_also: tuple[str, ...] = ()  # other studies' markdown reports, summarised at the end of this one
    doc: str | None = None  # the whole study's markdown report without --doc (None: <out>/<name>/study.md)

PLOTS = ("bar", "line")


_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def _check_required(cls: type, item, where: str) -> None:
    if not isinstance(item, dict):
        raise ConfigError(f"{where}: expected a mapping, got {item!r}")
    missing = [f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING and f.name not in item]
    if missing:
        raise ConfigError(f"{where}: missing key(s) {', '.join(missing)}")


def _text(value) -> str:
    """A grid value as it is written in an override (YAML)."""
    return value if isinstance(value, str) else json.dumps(value)


def expand_grid(grid: dict, points: tuple[Point, ...], where: str) -> tuple[Point, ...]:
    """One point per combination of the grid's values, or per point and combination when the study
    lists points too; each named and labelled from its values (``split_level-1``, ``split_level=1``)."""
    if not grid:
        return points
    for key, values in grid.items():
        if not isinstance(values, list) or not values:
            raise ConfigError(f"{where}: grid.{key} must be a non-empty list of values, got {values!r}")
    out = []
    for combination in itertools.product(*grid.values()):
        values = dict(zip(grid, combination))
        short = {key.split(".")[-1]: _text(value) for key, value in values.items()}
        name = "-".join(f"{k}-{v}" for k, v in short.items())
        label = ", ".join(f"{k}={v}" for k, v in short.items())
        overrides = tuple(f"{key}={_text(value)}" for key, value in values.items())
        for point in points or (Point(""),):
            out.append(Point(f"{point.name}-{name}" if point.name else name, point.table,
                             f"{point.label}, {label}" if point.label else label, point.overrides + overrides, values))
    return tuple(out)


def _check_report_keys(study: Study, where: str) -> None:
    known = {k for task in TASKS.values() for k in task.metric_keys}
    unknown = [m for m in study.metrics if m not in known]
    if unknown:
        raise ConfigError(f"{where}: metrics: unknown {', '.join(map(repr, unknown))}; choose from: "
                          + "; ".join(f"{name}: {', '.join(task.metric_keys)}" for name, task in TASKS.items()))
    if study.plot not in PLOTS:
        raise ConfigError(f"{where}: plot: unknown {study.plot!r}; choose one of: {', '.join(PLOTS)}")
    if study.plot == "line" and not study.grid:
        raise ConfigError(f"{where}: plot: line needs a grid (its first key is the x axis)")
    if not study.on or not set(study.on) <= {"a", "b"} or len(set(study.on)) != len(study.on):
        raise ConfigError(f"{where}: on: a list of the test splits to report, a and/or b, got {list(study.on)}")
    not_markdown = [path for path in study.see_also if not str(path).endswith(".md")]
    if not_markdown:
        raise ConfigError(f"{where}: see_also: markdown reports of other studies (*.md), got {not_markdown}")
    if study.doc is not None and not str(study.doc).endswith(".md"):
        raise ConfigError(f"{where}: doc: a markdown report (*.md), got {study.doc!r}")


def study_from_dict(data: dict, where: str = "study") -> Study:
    """Build a Study from plain data, its grid expanded into points; unknown or missing keys raise
    ConfigError naming them."""
    if isinstance(data, dict) and True in data:  # YAML 1.1 reads the key `on:` as the boolean true
        data = {("on" if k is True else k): v for k, v in data.items()}
    _check_required(Study, data, where)
    points = data.get("points") or []
    if not isinstance(points, list):
        raise ConfigError(f"{where}: points must be a list")
    for i, point in enumerate(points):
        _check_required(Point, point, f"{where}: points[{i}]")
        if "values" in point:
            raise ConfigError(f"{where}: points[{i}].values: set by the grid, not by hand")
    try:
        study = from_dict(Study, data)
    except ConfigError as err:
        raise ConfigError(f"{where}: {err}") from None
    study = replace(study, points=expand_grid(study.grid, study.points, where))
    if not study.points:
        raise ConfigError(f"{where}: no points (list some, or give a grid)")
    _check_report_keys(study, where)
    names = [p.name for p in study.points]
    for name in [study.name, *names]:
        if not _NAME.match(name):
            raise ConfigError(f"{where}: {name!r} is not a usable folder name (letters, digits, _ . -)")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ConfigError(f"{where}: repeated point name(s) {', '.join(repeated)}")
    for text in [*study.overrides, *(o for p in study.points for o in p.overrides)]:
        if "=" not in text:
            raise ConfigError(f"{where}: override {text!r} is not of the form key=value")
    return study


def load_study(path: str | Path) -> Study:
    path = Path(path)
    return study_from_dict(read_yaml(path) or {}, str(path))


def select_points(study: Study, names) -> Study:
    """The study with only the named points (in the study's order); an unknown name raises
    ConfigError listing the study's points."""
    names = list(names)
    known = [p.name for p in study.points]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ConfigError(f"study {study.name}: no point {', '.join(map(repr, unknown))}; its points: {', '.join(known)}")
    return replace(study, points=tuple(p for p in study.points if p.name in names))


def point_overrides(study: Study, point: Point, extra_overrides=()) -> list[str]:
    return [f"seeds=[{', '.join(map(str, study.seeds))}]", *study.overrides, *point.overrides,
            *extra_overrides, f"name={study.name}/{point.name}"]


def point_configs(study: Study, extra_overrides=()) -> list[tuple[Point, ExperimentConfig]]:
    """Every point's config, all loaded before anything trains: a bad key fails the whole study."""
    base = resolve_experiment(study.base)
    configs = []
    for point in study.points:
        try:
            configs.append((point, load_config(ExperimentConfig, base, point_overrides(study, point, extra_overrides))))
        except ConfigError as err:
            raise ConfigError(f"study {study.name}, point {point.name}: {err}") from None
    return configs
