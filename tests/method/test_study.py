"""Running studies: validation before training, tiny studies end to end through `atdt study`
(report, JSON, charts), resuming them, and the transfer-level study training N1 and N2 once for
every split level."""

import json

import cv2
import pytest

from atdt.cli import main

SMALL = """
name: small
base: tiny
seeds: [0, 1]
overrides: [n1.steps=2, n2.steps=2, oracle.steps=2, transfer.train.steps=2]
points:
  - name: d2s
    table: tab1
    label: c
    overrides: [task_source=depth, task_target=semantic]
  - name: s2d
    table: tab2
    label: b
    overrides:
      - task_source=semantic
      - task_target=depth
"""


AUTO = """
name: auto
base: tiny
seeds: [0]
overrides: [n2.steps=2, "methods=[baseline]", runtime.precision=auto]
points:
  - {name: d2s, table: tab1, label: c, overrides: [task_source=depth, task_target=semantic]}
  - {name: s2d, table: tab2, label: b, overrides: [task_source=semantic, task_target=depth]}
"""


def _write(tmp_path, text, name="study.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_study_resolves_precision_auto_once_for_every_point(tiny_overrides, tmp_path, capsys):
    """runtime.precision=auto: what this machine computes natively, said once per study; every
    Fabric the study makes (its world data's, its points') gets the resolved value."""
    from atdt.engine.fabric import resolve_precision

    assert main(["study", str(_write(tmp_path, AUTO)), *tiny_overrides]) == 0, capsys.readouterr().err
    out, resolved = capsys.readouterr().out, resolve_precision("auto", "cpu")
    assert out.count("precision auto -> ") == 1 and f"precision auto -> {resolved} (" in out
    for point in ("d2s", "s2d"):
        assert f"precision: {resolved}" in (tmp_path / "runs" / "auto" / point / "seed0" / "config.yaml").read_text()


def test_a_tiny_study_runs_end_to_end_and_resumes(tiny_overrides, tmp_path, capsys, monkeypatch):
    study, doc = _write(tmp_path, SMALL), tmp_path / "docs" / "results.md"
    assert main(["study", str(study), *tiny_overrides, "--doc", str(doc)]) == 0
    out = capsys.readouterr().out
    assert "point 2/2: s2d (tab2 b)" in out and f"report: {doc}" in out
    runs = tmp_path / "runs" / "small"
    per_seed = {(p, s): json.loads((runs / p / f"seed{s}" / "results.json").read_text()) for p in ("d2s", "s2d") for s in (0, 1)}
    assert per_seed["d2s", 1]["task_target"] == "semantic" and per_seed["s2d", 0]["task_target"] == "depth"

    md = doc.read_text()
    assert "## Tab. 1: Dep. → Sem." in md and "## Tab. 2: Sem. → Dep." in md
    assert "### (c) clean → camera (paper: Carla → Cityscapes)" in md
    assert "### (b) clean → camera (paper: Carla → Cityscapes)" in md
    assert "| Paper: Oracle | **95.65** |" in md and "| Paper: AT/DT | 0.394 | 5.837 |" in md and "| Paper: Oracle | **0.176** |" in md
    assert "seeds 0, 1" in md and " ± " in md and "(more than one std: " in md and "n/a (one seed)" not in md
    assert f"`atdt study {study} {' '.join(tiny_overrides)} --doc {doc}`" in md

    numbers = json.loads((tmp_path / "docs" / "results" / "small.json").read_text())
    d2s = numbers["tables"]["tab1"]["settings"][0]
    # the per-seed numbers behind the one-std rule are each seed's results.json
    for s in (0, 1):
        for m in ("baseline", "atdt", "oracle"):
            assert d2s["per_seed"][str(s)][m]["miou"] == pytest.approx(per_seed["d2s", s]["methods"][m]["miou"])
    gain = [per_seed["d2s", s]["methods"]["atdt"]["miou"] - per_seed["d2s", s]["methods"]["baseline"]["miou"] for s in (0, 1)]
    assert d2s["atdt_vs_baseline"]["miou"]["improvement"] == pytest.approx(gain)
    s2d = numbers["tables"]["tab2"]["settings"][0]
    assert s2d["methods"]["atdt"]["abs_rel"] == pytest.approx(sum(per_seed["s2d", s]["methods"]["atdt"]["abs_rel"] for s in (0, 1)) / 2)
    assert s2d["wall_s"] > 0 and s2d["paper"]["domain_b"] == "Cityscapes"
    for chart in ("small-tab1.png", "small-tab2.png"):
        image = cv2.imread(str(tmp_path / "docs" / "results" / chart))
        assert image is not None and image.shape[0] > 200

    # rerun with one seed from the command line: seed 0 of both points is reused, not retrained
    assert main(["study", str(study), *tiny_overrides, "seeds=0", "--doc", str(doc)]) == 0
    out = capsys.readouterr().out
    assert out.count(": reused") == 10 and ": training" not in out  # per point: four networks, the evaluation
    assert "n/a (one seed)" in doc.read_text()
    ledger = json.loads((runs / "wall_times.json").read_text())
    assert {k: len(v) for k, v in ledger.items()} == {"d2s": 2, "s2d": 2}

    # --points runs and reports only the named points; an unknown one fails listing the study's points
    assert main(["study", str(study), *tiny_overrides, "seeds=0", "--points", "s2d", "--doc", str(doc)]) == 0
    out, md = capsys.readouterr().out, doc.read_text()
    assert "1 points" in out and "point 1/1: s2d" in out and ": training" not in out
    assert "## Tab. 2: Sem. → Dep." in md and "Tab. 1" not in md and "--points s2d" in md
    assert main(["study", str(study), "--points", "s2d,nope"]) == 2
    assert "no point 'nope'; its points: d2s, s2d" in capsys.readouterr().err

    # a study's doc: is its page without --doc (docs/results.md for reproduce), but only for the
    # whole study: some of its points are reported beside their runs instead
    page = doc.read_text()
    paged = _write(tmp_path, SMALL.replace("name: small", "name: paged") + "doc: docs/results.md\n", "paged.yaml")
    monkeypatch.chdir(tmp_path)
    assert main(["study", str(paged), *tiny_overrides, "seeds=0", "--points", "s2d"]) == 0
    capsys.readouterr()
    assert doc.read_text() == page and (tmp_path / "runs" / "paged" / "study.md").is_file()
    assert main(["study", str(paged), *tiny_overrides, "seeds=0"]) == 0
    assert "report: docs/results.md" in capsys.readouterr().out and doc.read_text().startswith("# Study `paged`")


def test_every_point_is_validated_before_anything_trains(tiny_overrides, tmp_path, capsys):
    text = SMALL.replace("      - task_target=depth\n", "      - task_target=depth\n      - n1.stepz=3\n")
    assert main(["study", str(_write(tmp_path, text)), *tiny_overrides]) == 2
    err = capsys.readouterr().err
    assert "point s2d" in err and "n1.stepz" in err
    assert not (tmp_path / "runs").exists()  # the valid first point did not start


def test_a_bad_value_in_a_later_point_fails_before_the_first_trains(tiny_overrides, tmp_path, capsys):
    text = SMALL.replace("      - task_target=depth\n", "      - task_target=dpth\n")
    assert main(["study", str(_write(tmp_path, text)), *tiny_overrides]) == 2
    err = capsys.readouterr().err
    assert "'small/s2d'" in err and "task_target: unknown task 'dpth'" in err
    assert not (tmp_path / "runs").exists()


LEVELS = """
name: levels
base: tiny
seeds: [0]
overrides: [n1.steps=2, n2.steps=2, transfer.train.steps=2, "methods=[baseline,atdt]"]
points:
  - name: d2s
    table: fig4
    overrides: [task_source=depth, task_target=semantic]
grid:
  network.split_level: [1, 2, 3, 4]
metrics: [miou, acc]
plot: line
on: [b, a]
"""


def test_the_transfer_level_study_trains_n1_and_n2_once_and_g_per_level(tiny_overrides, tmp_path, capsys):
    """A grid over the split level: the first level trains N1 and N2, the other three adopt them
    (the same checkpoint), G trains at every level; the report is written beside the runs
    (study.md, study.json and the line chart of Fig. 4: AT/DT and the Baseline on A and on B)."""
    assert main(["study", str(_write(tmp_path, LEVELS)), *tiny_overrides]) == 0
    out = capsys.readouterr().out
    runs = tmp_path / "runs" / "levels"
    points = [f"d2s-split_level-{k}" for k in (1, 2, 3, 4)]
    assert [p for p in points if f"point {points.index(p) + 1}/4: {p} (fig4 split_level=" in out] == points
    for net in ("n1", "n2"):
        assert out.count(f"  {net}: training") == 1 and out.count(f"  {net}: reused (same inputs as ") == 3
        first = (runs / points[0] / "seed0" / net / "checkpoints" / "final.ckpt").read_bytes()
        assert all((runs / p / "seed0" / net / "checkpoints" / "final.ckpt").read_bytes() == first for p in points)
    assert out.count("  transfer: training") == 4 and ": reused\n" not in out
    assert len({(runs / p / "seed0" / "transfer" / "fingerprint.txt").read_text() for p in points}) == 4
    results = [json.loads((runs / p / "seed0" / "results.json").read_text()) for p in points]
    assert len({r["methods"]["baseline"]["miou"] for r in results}) == 1  # one N2 for every level
    assert len({r["transfer_loss"]["val_a"] for r in results}) == 4  # G and where E1, E2 end differ per level

    md = (runs / "study.md").read_text()
    assert "## Fig. 4: the transfer level (Dep. → Sem.)" in md and "its text gives no values" in md
    assert "](levels-fig4.png)" in md and "### On A's test split" in md and "### (split_level=3) clean → camera" in md
    numbers = json.loads((runs / "study.json").read_text())
    table = numbers["tables"]["fig4"]
    assert numbers["plot"] == "line" and table["metrics"] == ["miou", "acc"]
    assert [s["values"] for s in table["settings"]] == [{"network.split_level": k} for k in (1, 2, 3, 4)]
    assert table["settings"][2]["per_seed_on_a"]["0"]["atdt"]["acc"] == pytest.approx(results[2]["on_domain_a"]["atdt"]["acc"])
    chart = cv2.imread(str(runs / "levels-fig4.png"))
    assert chart is not None and chart.shape[0] > chart.shape[1]  # two panels, one above the other
