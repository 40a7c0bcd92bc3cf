"""results.json and results.md of one seed, and mean ± std over seeds, against hand values."""

import json
import math

import numpy as np
import pytest

from atdt.data.classes import CLASSES
from atdt.method.methods import labels
from atdt.report.results import write_aggregate, write_seed_results

LABELS = labels()


def _depth(abs_rel=0.5, d1=0.6):
    return {"abs_rel": abs_rel, "sq_rel": 5.0, "rmse": 9.0, "rmse_log": 0.4, "d1": d1, "d2": 0.7, "d3": 0.8}


def _semantic(miou, fence=math.nan):
    return {"iou": {**{c: 10.0 for c in CLASSES}, "fence": fence}, "miou": miou, "acc": 70.0}


def _seed(seed, task_target, methods, on_a, *, transfer_loss=(0.1, 0.2), depth_scale=1.0):
    return {
        "name": "exp", "seed": seed, "task_source": "semantic", "task_target": task_target,
        "domain_a": "world/clean", "domain_b": "world/camera", "depth_scale": depth_scale,
        "methods": methods, "on_domain_a": on_a,
        "transfer_loss": {"val_a": transfer_loss[0], "test_b": transfer_loss[1]},
        "figures": [f"/somewhere/seed{seed}/figures/qualitative.png"],
    }


def _rows(md: str, section: str) -> dict[str, list[str]]:
    """label -> cells of the table under the markdown heading that starts with ``section``."""
    block = md.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    rows = [line.strip("|").split("|") for line in block.splitlines() if line.startswith("| ")]
    # the depth table's first line groups its columns ("| | Lower is better | ...") and has no label
    return {cells[0].strip(): [c.strip() for c in cells[1:]] for cells in rows if cells[0].strip()}


def test_one_seed_writes_the_numbers_to_json_and_markdown(tmp_path):
    results = _seed(0, "depth", {"baseline": _depth(0.5), "atdt": _depth(0.25), "oracle": _depth(0.125)},
                    {"n2": _depth(0.2), "atdt": _depth(0.3)}, depth_scale=1.25)
    results["methods"]["atdt"]["d1"] = np.float32(0.75)  # metrics may arrive as numpy scalars
    write_seed_results(results, tmp_path, LABELS)

    back = json.loads((tmp_path / "results.json").read_text())
    assert back["methods"]["baseline"] == _depth(0.5)
    assert back["methods"]["atdt"]["abs_rel"] == 0.25 and back["methods"]["atdt"]["d1"] == 0.75
    assert back["on_domain_a"]["n2"]["abs_rel"] == 0.2 and back["transfer_loss"] == {"val_a": 0.1, "test_b": 0.2}

    md = (tmp_path / "results.md").read_text()
    assert md.splitlines()[0] == "# exp: Sem. -> Dep.: A = world/clean, B = world/camera"
    assert "Seeds: 0\n" in md and "±" not in md
    on_b = _rows(md, "depth on B")
    assert on_b["Method"] == ["Abs Rel", "Sq Rel", "RMSE", "RMSE log", "δ1", "δ2", "δ3"]
    assert list(on_b)[1:] == ["Baseline", "AT/DT", "Oracle"]
    assert on_b["Baseline"] == ["0.500", "5.000", "9.000", "0.400", "0.600", "0.700", "0.800"]
    assert on_b["Oracle"][0] == "**0.125**" and on_b["AT/DT"][4] == "**0.750**"  # best of each column
    on_a = _rows(md, "depth on A")
    assert list(on_a)[1:] == ["N2 (trained on A)", "AT/DT"] and on_a["AT/DT"][0] == "0.300"
    assert "A val 0.1000, B test 0.2000" in md
    assert "rescaled by f_B / f_A = 1.250" in md
    assert "![qualitative](figures/qualitative.png)" in md


def test_the_headings_name_the_splits_scored(tmp_path):
    """A run that scores the validation splits (while choosing settings) says so; test is the default."""
    results = _seed(0, "depth", {"baseline": _depth()}, {"n2": _depth()})
    (tmp_path / "test").mkdir()
    write_seed_results(results, tmp_path / "test", LABELS)
    write_aggregate([{**results, "splits": {"a": "val", "b": "val"}}, {**results, "seed": 1, "splits": {"a": "val", "b": "val"}}],
                    tmp_path / "val", LABELS)
    md_test, md_val = ((tmp_path / d / "results.md").read_text() for d in ("test", "val"))
    assert "## depth on B (test split)" in md_test and "## depth on A (test split;" in md_test
    assert "## depth on B (val split)" in md_val and "## depth on A (val split;" in md_val and "test split" not in md_val


def test_no_rescale_line_when_depth_is_not_rescaled(tmp_path):
    write_seed_results(_seed(3, "depth", {"baseline": _depth()}, {"n2": _depth()}), tmp_path, LABELS)
    md = (tmp_path / "results.md").read_text()
    assert "Seeds: 3" in md and "rescaled" not in md


def test_aggregate_is_the_mean_and_the_sample_std_over_seeds(tmp_path):
    # abs_rel 0.2 and 0.5: mean 0.35; sample std (n - 1) sqrt(2 * 0.15^2 / 1) = 0.212132,
    # not the population std 0.15
    seeds = [
        _seed(0, "depth", {"baseline": _depth(0.2), "atdt": _depth(0.1)}, {"n2": _depth(0.1), "atdt": _depth(0.1)},
              transfer_loss=(0.1, 0.3)),
        _seed(1, "depth", {"baseline": _depth(0.5), "atdt": _depth(0.1)}, {"n2": _depth(0.3), "atdt": _depth(0.1)},
              transfer_loss=(0.2, 0.5)),
    ]
    write_aggregate(seeds, tmp_path / "exp", LABELS)

    agg = json.loads((tmp_path / "exp" / "results.json").read_text())
    assert agg["seeds"] == [0, 1]
    assert agg["methods"]["baseline"]["abs_rel"] == pytest.approx(0.35)
    assert agg["std"]["methods"]["baseline"]["abs_rel"] == pytest.approx(0.212132, rel=1e-5)
    assert agg["methods"]["atdt"]["abs_rel"] == pytest.approx(0.1) and agg["std"]["methods"]["atdt"]["abs_rel"] == 0.0
    assert agg["on_domain_a"]["n2"]["abs_rel"] == pytest.approx(0.2)
    assert agg["std"]["on_domain_a"]["n2"]["abs_rel"] == pytest.approx(0.141421, rel=1e-5)
    assert agg["transfer_loss"]["val_a"] == pytest.approx(0.15) and agg["transfer_loss"]["test_b"] == pytest.approx(0.4)
    assert agg["std"]["transfer_loss"]["test_b"] == pytest.approx(0.141421, rel=1e-5)

    md = (tmp_path / "exp" / "results.md").read_text()
    assert "Seeds: 0, 1 (mean ± std)" in md
    on_b = _rows(md, "depth on B")
    assert on_b["Baseline"][0] == "0.350 ± 0.212" and on_b["AT/DT"][0] == "**0.100 ± 0.000**"
    assert _rows(md, "depth on A")["N2 (trained on A)"][0] == "0.200 ± 0.141"
    assert "A val 0.1500, B test 0.4000" in md


def test_aggregate_leaves_out_a_seeds_nan_and_shows_all_nan_as_a_dash(tmp_path):
    # fence: absent from seed 0's test images (NaN), 30 in seed 1 -> mean 30 over the one seed that has it;
    # the other classes score 10 in both; mIoU 40 and 44 -> 42 ± sqrt(8) = 2.83
    seeds = [_seed(0, "semantic", {"baseline": _semantic(40.0)}, {"n2": _semantic(50.0)}),
             _seed(1, "semantic", {"baseline": _semantic(44.0, fence=30.0)}, {"n2": _semantic(50.0)})]
    agg = write_aggregate(seeds, tmp_path, LABELS)
    assert agg["methods"]["baseline"]["iou"]["fence"] == 30.0 and agg["std"]["methods"]["baseline"]["iou"]["fence"] == 0.0
    assert agg["methods"]["baseline"]["miou"] == pytest.approx(42.0)
    assert agg["std"]["methods"]["baseline"]["miou"] == pytest.approx(math.sqrt(8.0))
    assert math.isnan(agg["on_domain_a"]["n2"]["iou"]["fence"])  # NaN in every seed

    md = (tmp_path / "results.md").read_text()
    on_b = _rows(md, "semantic on B")
    assert len(on_b["Method"]) == len(CLASSES) + 2  # 11 classes, mIoU, Acc
    assert on_b["Method"][-2:] == ["mIoU", "Acc"]
    baseline = dict(zip(on_b["Method"], on_b["Baseline"]))
    assert baseline["Fence"] == "30.00 ± 0.00" and baseline["mIoU"] == "42.00 ± 2.83" and baseline["Road"] == "10.00 ± 0.00"
    assert dict(zip(on_b["Method"], _rows(md, "semantic on A")["N2 (trained on A)"]))["Fence"] == "-"
