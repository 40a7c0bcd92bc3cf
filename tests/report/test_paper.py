"""The paper's numbers as data: every table has its rows and the metric keys of atdt.metrics."""

import pytest

from atdt.data import CLASSES
from atdt.report.paper import PAPER_ON_A, PAPER_TABLES
from atdt.report.tables import markdown_table
from atdt.tasks import TASKS

DEPTH_KEYS = set(TASKS["depth"].metric_keys)


def _all_rows():
    for name, table in PAPER_TABLES.items():
        for label, setting in table.settings.items():
            for method, scores in setting.methods.items():
                yield f"{name}{label}.{method}", table.task_target, scores
            for method, scores in (setting.on_a or {}).items():
                yield f"{name}{label}.on_a.{method}", table.task_target, scores
    for name, setting in PAPER_ON_A.items():
        for method, scores in setting.methods.items():
            yield f"on_a.{name}.{method}", PAPER_TABLES[name].task_target, scores


def test_tables_settings_and_methods():
    assert {k: (t.task_source, t.task_target) for k, t in PAPER_TABLES.items()} == {
        "tab1": ("depth", "semantic"), "tab2": ("semantic", "depth"), "tab3": ("depth", "semantic"),
        "tab4": ("semantic", "depth"), "tab5": ("depth", "semantic"),
        "tab6": ("depth", "semantic"), "supp-tab3": ("depth", "semantic"), "supp-tab4": ("semantic", "depth"),
        "supp-tab5": ("depth", "semantic")}
    for table in (PAPER_TABLES["tab1"], PAPER_TABLES["tab2"]):
        assert list(table.settings) == ["a", "b", "c"]
        for setting in table.settings.values():
            assert {"baseline", "atdt"} <= set(setting.methods) <= {"baseline", "atdt", "oracle"}
    t1, t2 = PAPER_TABLES["tab1"].settings, PAPER_TABLES["tab2"].settings
    assert [(s.domain_a, s.domain_b) for s in t1.values()] == [("Synthia", "Carla"), ("Synthia", "Cityscapes"), ("Carla", "Cityscapes")]
    assert [(s.domain_a, s.domain_b) for s in t2.values()] == [("Synthia", "Carla"), ("Carla", "Cityscapes"), ("Carla", "Kitti")]
    assert "oracle" not in t1["a"].methods and "oracle" not in t2["a"].methods
    assert set(PAPER_ON_A) == {"tab1", "tab2"} and all(set(s.methods) == {"n2", "atdt"} for s in PAPER_ON_A.values())


@pytest.mark.parametrize("row", list(_all_rows()), ids=lambda r: r[0])
def test_each_row_has_the_metric_keys_and_a_consistent_miou(row):
    _, task, scores = row
    if task == "semantic" and "iou" not in scores:  # Tab. 5-6, supplementary Tab. 5: mIoU and Acc only
        assert set(scores) == {"miou", "acc"} and 0 < scores["miou"] < scores["acc"] < 100
    elif task == "semantic":
        assert set(scores) == {"iou", "miou", "acc"} and list(scores["iou"]) == list(CLASSES)
        # the paper's mIoU is the mean of its 11 printed IoUs: catches a mistyped cell
        assert abs(sum(scores["iou"].values()) / len(CLASSES) - scores["miou"]) < 0.011
    else:
        assert set(scores) == DEPTH_KEYS
        assert all(0 < scores[k] <= 1 for k in ("d1", "d2", "d3"))
        assert scores["d1"] <= scores["d2"] <= scores["d3"]


def test_spot_values_and_layout():
    t1, t2 = PAPER_TABLES["tab1"].settings, PAPER_TABLES["tab2"].settings
    assert t1["b"].methods["atdt"]["iou"]["road"] == 85.77 and t1["b"].methods["baseline"]["miou"] == 7.72
    assert t1["c"].methods["oracle"]["acc"] == 93.56 and t2["c"].methods["atdt"]["rmse"] == 9.148
    assert PAPER_ON_A["tab1"].methods["atdt"]["iou"]["fence"] == 1.06 and PAPER_ON_A["tab2"].methods["n2"]["rmse_log"] == 0.825
    md = markdown_table("semantic", [("Paper: AT/DT", t1["a"].methods["atdt"])])
    assert md.splitlines()[0].startswith("| Method | Road |") and "| 43.14 | 80.00 |" in md
    md = markdown_table("depth", [("Paper: Oracle", t2["b"].methods["oracle"])])
    assert "| Paper: Oracle | 0.176 | 3.116 | 9.645 | 0.256 | 0.781 | 0.921 | 0.969 |" in md


def test_tab3_and_tab4_extend_the_carla_cityscapes_settings_with_cyclegan():
    t1c, t2b = PAPER_TABLES["tab1"].settings["c"], PAPER_TABLES["tab2"].settings["b"]
    for name, label, extended in (("tab3", "c", t1c), ("tab4", "b", t2b)):
        (setting,) = PAPER_TABLES[name].settings.values()
        assert list(PAPER_TABLES[name].settings) == [label]
        assert (setting.domain_a, setting.domain_b) == (extended.domain_a, extended.domain_b) == ("Carla", "Cityscapes")
        assert list(setting.methods) == ["baseline", "atdt", "cyclegan", "atdt_cyclegan"]
        assert setting.methods["atdt"] == extended.methods["atdt"]
    t3, t4 = PAPER_TABLES["tab3"].settings["c"].methods, PAPER_TABLES["tab4"].settings["b"].methods
    assert t3["baseline"] == t1c.methods["baseline"]
    assert {k: v for k, v in t4["baseline"].items() if k != "sq_rel"} == {
        k: v for k, v in t2b.methods["baseline"].items() if k != "sq_rel"}
    assert (t3["cyclegan"]["miou"], t3["atdt_cyclegan"]["miou"], t3["atdt_cyclegan"]["acc"]) == (42.33, 43.20, 81.92)
    assert t3["cyclegan"]["iou"]["vegetation"] == 77.71 and t3["atdt_cyclegan"]["iou"]["vehicle"] == 58.09
    assert (t4["cyclegan"]["abs_rel"], t4["cyclegan"]["sq_rel"], t4["atdt_cyclegan"]["rmse"]) == (0.943, 27.026, 15.636)
    assert t4["atdt_cyclegan"]["d3"] == 0.861 and t4["baseline"]["sq_rel"] == 13.499
def test_the_study_tables():
    """Sec. 6 and supplementary Sec. 1: each names the methods of atdt.method.methods it compares,
    the shared / batch-norm rows are Tab. 1 (b)'s AT/DT on B and supplementary Tab. 1's on A."""
    from atdt.method.methods import METHODS

    tab1b = PAPER_TABLES["tab1"].settings["b"].methods["atdt"]
    for name, table in PAPER_TABLES.items():
        for setting in table.settings.values():
            assert set(setting.methods) <= set(METHODS), name
    tab5, tab6 = PAPER_TABLES["tab5"].settings["b"], PAPER_TABLES["tab6"].settings
    assert tab5.methods["atdt"]["miou"] == tab1b["miou"] and tab5.methods["atdt_separate_n1"] == {"miou": 6.42, "acc": 29.36}
    assert tab5.on_a["atdt"]["miou"] == PAPER_ON_A["tab1"].methods["atdt"]["miou"] == 65.41
    assert tab6["no batch norm"].on_a["atdt"] == {"miou": 72.48, "acc": 98.09} and tab6["batch norm"].methods["atdt"]["acc"] == 64.03
    assert PAPER_TABLES["supp-tab3"].settings["c"].methods["no_transfer"]["iou"]["road"] == 84.82
    assert PAPER_TABLES["supp-tab3"].settings["c"].methods["baseline"] == PAPER_TABLES["tab1"].settings["c"].methods["baseline"]
    assert PAPER_TABLES["supp-tab4"].settings["b"].methods["no_transfer"]["sq_rel"] == 17.578
    assert PAPER_TABLES["supp-tab5"].settings["b"].methods["atdt_separate_encoders"] == {"miou": 11.55, "acc": 56.79}
