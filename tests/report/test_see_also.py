"""A study report closes with the summaries of the other studies it names, read from their reports."""

from atdt.data import CLASSES
from atdt.method.methods import report_names
from atdt.method.study import PointResult
from atdt.method.study_file import Point, Study
from atdt.report.study import write_study_report




NAMES = report_names()


def _sem(miou):
    return {"iou": {c: miou for c in CLASSES}, "miou": miou, "acc": miou + 40}


def _dep(abs_rel):
    return {"abs_rel": abs_rel, "sq_rel": 1.0, "rmse": 5.0, "rmse_log": 0.3, "d1": 1 - abs_rel, "d2": 0.9, "d3": 0.95}


def _seed(seed, make, baseline, atdt, oracle):
    return {"seed": seed, "methods": {"baseline": make(baseline), "atdt": make(atdt), "oracle": make(oracle)}}


def _point(name, table, label, task_source, task_target, make, per_seed, domains=("world/vivid", "world/clean")):
    key = "miou" if task_target == "semantic" else "abs_rel"
    methods = {m: make(sum(s["methods"][m][key] for s in per_seed) / len(per_seed)) for m in ("baseline", "atdt", "oracle")}
    std = {m: {"miou": 0.5, "iou": {}} if task_target == "semantic" else {"abs_rel": 0.01} for m in methods}
    results = {"name": f"s/{name}", "task_source": task_source, "task_target": task_target, "domain_a": domains[0],
               "domain_b": domains[1], "methods": methods, "on_domain_a": {"n2": make(0.1 if task_target == "depth" else 60),
               "atdt": make(0.12 if task_target == "depth" else 50)}, "std": {"methods": std, "on_domain_a": {}},
               "depth_scale": 1.0}
    return PointResult(Point(name, table, label, ("task_source=" + task_source,)), None, results, per_seed, 60.0, 90.0)


def test_see_also_closes_the_report_with_the_other_reports_summaries(tmp_path):
    sem = [_seed(s, _sem, 30, 31 + s, 50) for s in range(2)]
    other = _point("x", "mine", "", "depth", "semantic", _sem, sem)
    write_study_report(Study("cyc", "tiny", (0, 1), (), (other.point,)), [other], tmp_path / "docs" / "studies" / "cyc.md",
                       command="atdt study cyc", names=NAMES)
    main = _point("y", "tab1", "a", "depth", "semantic", _sem, [_seed(s, _sem, 20, 25, 50) for s in range(2)])
    study = Study("rep", "tiny", (0, 1), (), (main.point,), see_also=(str(tmp_path / "docs" / "studies" / "cyc.md"),
                                                                       str(tmp_path / "docs" / "studies" / "gone.md")))
    md = write_study_report(study, [main], tmp_path / "docs" / "results.md", command="atdt study rep", names=NAMES)["doc"].read_text()
    closing = md.split("## Other studies", 1)[1]
    assert "### [Study `cyc`](studies/cyc.md)" in closing and "Command: `atdt study cyc`" in closing
    assert "\nScores on B's and A's test split.\n" in closing  # which split its numbers are on
    assert "| mine | vivid → clean | mIoU (%) | 30.00 ± 0.50 | 31.50 ± 0.50 | 50.00 ± 0.50 | +1.50 ± 0.71 | **yes** |" in closing
    assert "### [gone](studies/gone.md)" in closing and "Not run yet: `atdt study gone --doc" in closing
    assert "Tab. 1" not in closing  # the study's own tables stay above
