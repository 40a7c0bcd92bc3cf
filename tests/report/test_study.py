"""A study's report from hand-made results: the one-std rule, the markdown beside the paper, JSON, charts."""

import json
import math

import cv2
import pytest

from atdt.method.methods import report_names
from atdt.method.study import PointResult
from atdt.method.study_file import Point, Study
from atdt.report.study import beats_baseline, write_study_report
from study_points import dep_scores, point_result, seed_results, sem_scores

NAMES = report_names()


def test_one_std_rule_on_per_seed_differences():
    # AT/DT - Baseline per seed: 3, 1, 4 -> mean 2.67 > std 1.53
    up = [seed_results(s, sem_scores, b, a, 50) for s, (b, a) in enumerate([(30, 33), (31, 32), (32, 36)])]
    r = beats_baseline(up, "semantic", "miou")
    assert r["improvement"] == [3, 1, 4] and r["beats"] is True
    assert r["mean"] == pytest.approx(8 / 3) and r["std"] == pytest.approx((7 / 3) ** 0.5)
    # 3, -2, 1 -> mean 0.67 < std 2.52: better on average, not by more than one std
    mixed = [seed_results(s, sem_scores, b, a, 50) for s, (b, a) in enumerate([(30, 33), (31, 29), (32, 33)])]
    r = beats_baseline(mixed, "semantic", "miou")
    assert r["mean"] == pytest.approx(2 / 3) and r["std"] == pytest.approx((19 / 3) ** 0.5) and r["beats"] is False
    # lower is better for Abs Rel: a lower AT/DT error is a positive improvement
    depth = [seed_results(s, dep_scores, 0.50, a, 0.2) for s, a in enumerate([0.40, 0.42])]
    r = beats_baseline(depth, "depth", "abs_rel")
    assert r["improvement"] == pytest.approx([0.10, 0.08]) and r["beats"] is True
    assert beats_baseline(depth, "depth", "d1")["beats"] is True  # d1 = 1 - abs_rel here: higher is better
    worse = [seed_results(s, dep_scores, 0.50, a, 0.2) for s, a in enumerate([0.60, 0.62])]
    assert beats_baseline(worse, "depth", "abs_rel")["beats"] is False
    one = beats_baseline(up[:1], "semantic", "miou")
    assert one["beats"] is None and one["mean"] == 3 and math.isnan(one["std"])


def test_report_puts_the_paper_beside_ours_and_writes_json_and_charts(tmp_path):
    sem = [seed_results(s, sem_scores, b, a, 50) for s, (b, a) in enumerate([(30, 33), (31, 32), (32, 36)])]
    dep = [seed_results(s, dep_scores, 0.5, a, 0.2) for s, a in enumerate([0.60, 0.55, 0.62])]
    other = [seed_results(s, sem_scores, 20, 20, 40) for s in range(3)]
    points = [point_result("d2s", "tab1", "a", "depth", "semantic", sem_scores, sem),
              point_result("s2d", "tab2", "c", "semantic", "depth", dep_scores, dep, ("world/clean", "world/camera")),
              point_result("extra", "mine", "", "depth", "semantic", sem_scores, other)]
    study = Study("s", "tiny", (0, 1, 2), (), tuple(p.point for p in points))
    out = write_study_report(study, points, tmp_path / "docs" / "results.md", command="atdt study s", names=NAMES)
    md = out["doc"].read_text()
    assert "## Tab. 1: Dep. → Sem." in md and "## Tab. 2: Sem. → Dep." in md and "## mine: Dep. → Sem." in md
    assert "### (a) vivid → clean (paper: Synthia → Carla)" in md and "### (c) clean → camera (paper: Carla → Kitti)" in md
    assert "| Paper: AT/DT | **73.57** |" in md and "| Paper: Oracle | **0.265** |" in md
    assert "| 31.00 ± 0.50 | 71.00 |" in md and "| tab1 | (a) vivid → clean | mIoU (%) | 31.00 ± 0.50 |" in md
    assert "mIoU (%) +2.67 ± 1.53 (more than one std: **yes**)" in md
    assert "Abs Rel -0.090 ± 0.036 (more than one std: no)" in md
    assert "supplementary Tab. 1" in md and "Paper (Synthia; B = Cityscapes): N2 (trained on A) | **99.23**" in md
    assert "`atdt study s`" in md and "4.5 min over all runs" in md
    numbers = json.loads(out["json"].read_text())
    assert out["json"] == tmp_path / "docs" / "results" / "s.json"
    s1 = numbers["tables"]["tab1"]["settings"][0]
    assert s1["atdt_vs_baseline"]["miou"]["beats"] is True and s1["per_seed"]["2"]["atdt"]["miou"] == 36
    assert s1["paper"]["methods"]["atdt"]["miou"] == 43.14
    assert numbers["tables"]["mine"]["settings"][0]["paper"] is None
    assert [c.name for c in out["charts"]] == ["s-tab1.png", "s-tab2.png", "s-mine.png"]
    for chart in out["charts"]:
        image = cv2.imread(str(chart))
        assert image is not None and image.shape[0] > 200
        assert f"](results/{chart.name})" in md


def test_a_table_that_mixes_target_tasks_fails(tmp_path):
    sem = [seed_results(0, sem_scores, 30, 31, 50)]
    dep = [seed_results(0, dep_scores, 0.5, 0.4, 0.2)]
    points = [point_result("x", "t", "a", "depth", "semantic", sem_scores, sem), point_result("y", "t", "b", "semantic", "depth", dep_scores, dep)]
    with pytest.raises(ValueError, match="mixes target tasks"):
        write_study_report(Study("s", "tiny", (0,), (), ()), points, tmp_path / "r.md", command="x", names=NAMES)


def test_a_study_on_the_validation_splits_says_so(tmp_path):
    sem = [seed_results(s, sem_scores, 30, 31 + s, 50) for s in range(2)]
    point = point_result("x", "aux-dep2sem", "none", "depth", "semantic", sem_scores, sem)
    point.results["splits"] = {"a": "val", "b": "val"}
    md = write_study_report(Study("s", "tiny", (0, 1), (), (point.point,)), [point], tmp_path / "r.md",
                            command="x", names=NAMES)["doc"].read_text()
    assert "Scores on B's and A's val split" in md and "### On A's val split" in md and "test split" not in md


def _methods_point(name, table, label, methods, per_seed_mious, values=None, on_a=True):
    """A Dep. -> Sem. point whose ``methods`` (in that order) scored ``per_seed_mious[m]`` per seed."""
    per_seed = [{"seed": s, "methods": {m: sem_scores(v[s]) for m, v in per_seed_mious.items()},
                 "on_domain_a": {"n2": sem_scores(60 + s), "atdt": sem_scores(50 + s)}} for s in range(2)]
    mean = {m: sem_scores(sum(v) / 2) for m, v in per_seed_mious.items()}
    results = {"name": f"s/{name}", "task_source": "depth", "task_target": "semantic", "domain_a": "world/clean",
               "domain_b": "world/camera", "methods": {m: mean[m] for m in methods},
               "on_domain_a": {"n2": sem_scores(60.5), "atdt": sem_scores(50.5)} if on_a else {},
               "std": {"methods": {m: {"miou": 0.5} for m in methods}, "on_domain_a": {}}, "depth_scale": 1.0}
    return PointResult(Point(name, table, label, (), values), None, results, per_seed, 60.0, 60.0)


def test_the_report_follows_each_points_methods_beside_the_papers(tmp_path):
    """No Transfer's study: its methods in the config's order, the paper's No Transfer row, a gain
    line per method compared with the Baseline, and every method a column of the summary."""
    methods = ("baseline", "no_transfer", "atdt", "oracle")
    mious = {"baseline": (30, 31), "no_transfer": (35, 38), "atdt": (33, 32), "oracle": (60, 61)}
    point = _methods_point("d2s", "supp-tab3", "c", methods, mious)
    study = Study("nt", "tiny", (0, 1), (), (point.point,))
    out = write_study_report(study, [point], tmp_path / "r.md", command="atdt study nt", names=NAMES)
    md = out["doc"].read_text()
    assert "## Supplementary Tab. 3: No Transfer (Dep. → Sem.)" in md
    body = md[md.index("### (c) clean → camera (paper: Carla → Cityscapes)"):]
    order = [body.index(f"| {label} |") for label in ("Baseline", "No Transfer", "AT/DT", "Oracle")]
    assert order == sorted(order) and "| Paper: No Transfer | **84.82** |" in body
    assert "No Transfer's gain over the Baseline per seed (positive = No Transfer better; mean ± std over seeds): " \
           "mIoU (%) +6.00 ± 1.41 (more than one std: **yes**)" in body
    assert "AT/DT's gain over the Baseline per seed (positive = AT/DT better; mean ± std over seeds): mIoU (%) +2.00" in body
    assert "| Table | Setting | Metric | Baseline | No Transfer | AT/DT | Oracle | AT/DT's gain per seed | > 1 std | " \
           "Paper: Baseline / No Transfer / AT/DT | Wall time (min) |" in md
    assert "| 30.50 ± 0.50 | 36.50 ± 0.50 | 32.50 ± 0.50 | 60.50 ± 0.50 | +2.00 ± 1.41 | **yes** | 37.88 / 35.69 / 39.66 |" in md
    # a transfer method other than AT/DT is also measured against AT/DT, per seed: +2 and +6
    assert "No Transfer's gain over AT/DT per seed (positive = No Transfer better; mean ± std over seeds): " \
           "mIoU (%) +4.00 ± 2.83 (more than one std: **yes**)" in body
    assert "AT/DT's gain over AT/DT" not in body and "Oracle's gain" not in body
    numbers = json.loads(out["json"].read_text())["tables"]["supp-tab3"]["settings"][0]
    assert numbers["vs_baseline"]["no_transfer"]["miou"]["improvement"] == [5, 7]
    assert list(numbers["vs_atdt"]) == ["no_transfer"] and numbers["vs_atdt"]["no_transfer"]["miou"]["improvement"] == [2, 6]
    assert list(numbers["per_seed"]["1"]) == list(methods) and numbers["paper"]["methods"]["no_transfer"]["miou"] == 35.69


def test_a_line_study_plots_over_the_grid_key_and_on_chooses_the_splits(tmp_path):
    """Fig. 4's layout: x = the grid key's values, a line per method on B (and on A when asked);
    the study's metrics choose the gain lines; ``on: [b]`` leaves A's section out."""
    mious = {"baseline": (30, 30), "atdt": (33, 34)}
    points = [_methods_point(f"level-{k}", "fig4", f"split_level={k}", ("baseline", "atdt"), mious,
                             {"network.split_level": k}) for k in (1, 2, 3, 4)]
    study = Study("lv", "tiny", (0, 1), (), tuple(p.point for p in points), grid={"network.split_level": [1, 2, 3, 4]},
                  metrics=("acc", "abs_rel"), plot="line", on=("b", "a"))
    out = write_study_report(study, points, tmp_path / "lv" / "study.md", command="atdt study lv", names=NAMES, assets=tmp_path / "lv",
                             json_path=tmp_path / "lv" / "study.json")
    assert out["charts"] == [tmp_path / "lv" / "lv-fig4.png"] and out["json"] == tmp_path / "lv" / "study.json"
    image = cv2.imread(str(out["charts"][0]))
    assert image is not None and image.shape[0] < image.shape[1]  # one panel: Acc (abs_rel is not semantic's)
    md = out["doc"].read_text()
    assert "](lv-fig4.png)" in md and "## Fig. 4: the transfer level" in md and "### On A's test split" in md
    assert "Acc (%) +3.50 ± 0.71" in md and "mIoU (%) +" not in md and "| Acc (%) |" in md
    numbers = json.loads(out["json"].read_text())
    assert numbers["tables"]["fig4"]["metrics"] == ["acc"] and numbers["plot"] == "line"
    assert numbers["tables"]["fig4"]["settings"][3]["per_seed_on_a"]["1"] == {"n2": {"acc": 101.0}, "atdt": {"acc": 91.0}}
    only_b = Study("lv", "tiny", (0, 1), (), study.points, grid=study.grid, plot="line", on=("b",))
    md = write_study_report(only_b, points, tmp_path / "b.md", command="x", names=NAMES)["doc"].read_text()
    assert "On A's test split" not in md and "### (split_level=2) clean → camera" in md
