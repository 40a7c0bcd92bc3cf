"""Paper-layout tables."""

import math


from atdt.data import CLASSES
from atdt.report.tables import markdown_table, text_table


def _sem(miou, road=50.0):
    iou = {c: 10.0 for c in CLASSES}
    iou["road"], iou["fence"] = road, math.nan
    return {"iou": iou, "miou": miou, "acc": 70.0}


def test_semantic_layout_bolds_the_best_and_shows_nan_as_dash():
    md = markdown_table("semantic", [("Baseline", _sem(30.0)), ("AT/DT", _sem(40.0, road=60.0))])
    lines = md.strip().splitlines()
    assert lines[0].startswith("| Method | Road | Sidewalk | Walls | Fence |") and lines[0].endswith("mIoU | Acc |")
    assert "**40.00**" in lines[3] and "**60.00**" in lines[3] and "| - |" in lines[3]
    assert "**30.00**" not in lines[2]


def test_depth_layout_marks_directions_and_lower_is_better():
    a = {"abs_rel": 0.5, "sq_rel": 5, "rmse": 9, "rmse_log": 0.4, "d1": 0.5, "d2": 0.7, "d3": 0.8}
    b = {**a, "abs_rel": 0.3, "d1": 0.4}
    md = markdown_table("depth", [("Baseline", a), ("AT/DT", b)])
    assert "Lower is better" in md and "Higher is better" in md
    assert "**0.300**" in md and "**0.500**" in md  # best abs_rel is the lower, best d1 the higher
    assert "δ1" in text_table("depth", [("Baseline", a)])


def test_mean_and_std_over_seeds():
    txt = text_table("semantic", [("AT/DT", _sem(40.0), {"miou": 1.25, "iou": {}})])
    assert "40.00 ± 1.25" in txt


def test_further_groups_are_bolded_among_themselves():
    md = markdown_table("semantic", [("Baseline", _sem(30.0)), ("AT/DT", _sem(40.0))],
                        [("Paper: Baseline", _sem(20.0)), ("Paper: AT/DT", _sem(25.0))])
    lines = md.strip().splitlines()
    assert len(lines) == 6 and "**40.00**" in lines[3] and "**25.00**" in lines[5] and "**" not in lines[4]

