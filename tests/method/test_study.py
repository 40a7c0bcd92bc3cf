"""Studies: the file format (unknown keys fail), validation before training, a tiny study end to
end through `atdt study` (report, JSON, charts), resuming it, and the shipped reproduce study."""

import json

import cv2
import pytest

from atdt.cli import main
from atdt.config import ConfigError
from atdt.method.study import load_study, point_configs, resolve_study, study_from_dict
from atdt.report.paper import PAPER_TABLES
from atdt.world.standard import world_data_needed

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


def _write(tmp_path, text, name="study.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_tiny_study_runs_end_to_end_and_resumes(tiny_overrides, tmp_path, capsys):
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
    assert out.count(": reused") == 8 and ": training" not in out
    assert "n/a (one seed)" in doc.read_text()
    ledger = json.loads((runs / "wall_times.json").read_text())
    assert {k: len(v) for k, v in ledger.items()} == {"d2s": 2, "s2d": 2}


@pytest.mark.parametrize("text, key", [
    ("name: x\nbase: tiny\nseed: [0]\npoints: [{name: a}]\n", "seed"),
    ("name: x\nbase: tiny\npoints:\n  - name: a\n    lable: a\n", "points[0].lable"),
    ("name: x\npoints: [{name: a}]\n", "missing key(s) base"),
    ("name: x\nbase: tiny\npoints: [{table: t}]\n", "points[0]: missing key(s) name"),
])
def test_unknown_or_missing_keys_fail_naming_the_key(tmp_path, capsys, text, key):
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError, match=key.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(").replace(")", r"\)")):
        load_study(path)
    assert main(["study", str(path)]) == 2
    assert key in capsys.readouterr().err


def test_other_malformed_studies():
    with pytest.raises(ConfigError, match="repeated point name"):
        study_from_dict({"name": "x", "base": "tiny", "points": [{"name": "a"}, {"name": "a"}]})
    with pytest.raises(ConfigError, match="no points"):
        study_from_dict({"name": "x", "base": "tiny"})
    with pytest.raises(ConfigError, match="key=value"):
        study_from_dict({"name": "x", "base": "tiny", "points": [{"name": "a", "overrides": ["n1.steps"]}]})
    with pytest.raises(ConfigError, match="folder name"):
        study_from_dict({"name": "x", "base": "tiny", "points": [{"name": "a/b"}]})
    with pytest.raises(FileNotFoundError, match="reproduce"):
        resolve_study("no-such-study")


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


def test_the_shipped_reproduce_study():
    study = load_study(resolve_study("reproduce"))
    assert study.base == "demo" and study.seeds == (0, 1, 2)
    configs = point_configs(study)
    assert [(p.table, p.label) for p, _ in configs] == [(t, l) for t in ("tab1", "tab2") for l in ("a", "b", "c")]
    for point, cfg in configs:
        table = PAPER_TABLES[point.table]
        assert (cfg.task_source, cfg.task_target) == (table.task_source, table.task_target)
        assert cfg.name == f"reproduce/{point.name}" and cfg.seeds == (0, 1, 2)
        b = cfg.domain_b.root.split("/")[-1]
        # B's depth: stereo proxy labels for the camera domain, the renderer's for the simulators
        assert cfg.domain_b.depth_root == ("data/world/camera-proxy" if b == "camera" else None)
        assert cfg.domain_b.limit == (200 if (point.table, point.label) == ("tab2", "c") else None)
    pairs = [(c.domain_a.root.split("/")[-1], c.domain_b.root.split("/")[-1]) for _, c in configs]
    assert pairs == [("vivid", "clean"), ("vivid", "camera"), ("clean", "camera"),
                     ("vivid", "clean"), ("clean", "camera"), ("clean", "camera")]
    assert world_data_needed(d for _, c in configs for d in (c.domain_a, c.domain_b)) == (["vivid", "clean", "camera"], ["camera"])
