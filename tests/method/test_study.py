"""Studies: the file format (unknown keys fail, grids), validation before training, tiny studies end
to end through `atdt study` (report, JSON, charts), resuming them, the transfer-level study training
N1 and N2 once for every split level, and every shipped study."""

import json

import cv2
import pytest

from atdt.cli import main
from atdt.method.study_file import load_study, point_configs, study_from_dict
from atdt.presets import resolve_study, studies_dir
from atdt.report.paper import PAPER_TABLES
from atdt.typed_config import ConfigError
from atdt.method.validation import validate_experiment
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
    with pytest.raises(ConfigError, match=r"see_also: markdown reports .* \['runs/x/study.json'\]"):
        study_from_dict({"name": "x", "base": "tiny", "points": [{"name": "a"}], "see_also": ["runs/x/study.json"]})
    with pytest.raises(ConfigError, match=r"doc: a markdown report \(\*\.md\), got 'docs/results'"):
        study_from_dict({"name": "x", "base": "tiny", "points": [{"name": "a"}], "doc": "docs/results"})
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
    assert study.base == "demo" and study.seeds == (0, 1, 2) and study.doc == "docs/results.md"
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
    # docs/results.md closes with every other shipped study's summary, from where make studies writes it
    assert sorted(study.see_also) == sorted(f"docs/studies/{p.stem}.md" for p in studies_dir().glob("*.yaml")
                                            if p.stem != "reproduce")


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


def test_grids_expand_into_named_points_and_the_report_keys_are_checked():
    base = {"name": "x", "base": "tiny"}
    grid = study_from_dict({**base, "grid": {"network.split_level": [1, 2], "network.norm": ["batch", "none"]}})
    assert [p.name for p in grid.points] == ["split_level-1-norm-batch", "split_level-1-norm-none",
                                             "split_level-2-norm-batch", "split_level-2-norm-none"]
    assert grid.points[1].overrides == ("network.split_level=1", "network.norm=none")
    assert grid.points[1].label == "split_level=1, norm=none" and grid.points[1].values == {
        "network.split_level": 1, "network.norm": "none"}
    both = study_from_dict({**base, "grid": {"transfer.down": [0, 1]},
                            "points": [{"name": "d2s", "table": "t", "label": "b", "overrides": ["task_source=depth"]}]})
    assert [(p.name, p.table, p.label, p.overrides) for p in both.points] == [
        ("d2s-down-0", "t", "b, down=0", ("task_source=depth", "transfer.down=0")),
        ("d2s-down-1", "t", "b, down=1", ("task_source=depth", "transfer.down=1"))]
    assert study_from_dict({**base, "points": [{"name": "a"}]}).on == ("b", "a")
    for bad, match in [({"grid": {"network.split_level": []}}, "non-empty list"),
                       ({"grid": {"network.split_level": 3}}, "non-empty list"),
                       ({"grid": ["network.split_level"]}, "expected a mapping"),
                       ({"points": [{"name": "a"}], "plot": "line"}, "line needs a grid"),
                       ({"points": [{"name": "a"}], "plot": "pie"}, "bar, line"),
                       ({"points": [{"name": "a"}], "metrics": ["miou", "mIoU"]}, "unknown 'mIoU'.*abs_rel"),
                       ({"points": [{"name": "a"}], "on": ["b", "c"]}, "a and/or b"),
                       ({"points": [{"name": "a", "values": {"x": 1}}]}, "points\\[0\\].values: set by the grid"),
                       ({"grid": {"data.root": ["a/b"]}}, "folder name")]:
        with pytest.raises(ConfigError, match=match):
            study_from_dict({**base, **bad})


def test_on_is_read_as_a_key_not_as_yaml_true(tmp_path):
    study = load_study(_write(tmp_path, "name: x\nbase: tiny\npoints: [{name: a}]\non: [a]\n"))
    assert study.on == ("a",)


SHIPPED = {  # study -> (methods, (point, task source, task target, A, table, label) ...)
    "transfer_level": (("baseline", "atdt"), *[(f"dep2sem-split_level-{k}", "depth", "semantic", "vivid", "fig4", f"split_level={k}")
                                               for k in (1, 2, 3, 4)]),
    "shared_n1": (("baseline", "atdt", "atdt_separate_n1", "oracle"), ("dep2sem", "depth", "semantic", "vivid", "tab5", "b")),
    "batch_norm": (("baseline", "atdt", "oracle"), ("dep2sem-batch", "depth", "semantic", "vivid", "tab6", "batch norm"),
                   ("dep2sem-none", "depth", "semantic", "vivid", "tab6", "no batch norm")),
    "no_transfer": (("baseline", "no_transfer", "atdt", "oracle"), ("dep2sem", "depth", "semantic", "clean", "supp-tab3", "c"),
                    ("sem2dep", "semantic", "depth", "clean", "supp-tab4", "b")),
    "separate_encoders": (("baseline", "atdt", "atdt_separate_encoders", "oracle"),
                          ("dep2sem", "depth", "semantic", "vivid", "supp-tab5", "b")),
    "cyclegan": (("baseline", "atdt", "cyclegan", "atdt_cyclegan"),
                 ("dep2sem-clean-camera", "depth", "semantic", "clean", "tab3", "c"),
                 ("sem2dep-clean-camera", "semantic", "depth", "clean", "tab4", "b")),
    "auxiliary": (("baseline", "atdt", "oracle"),
                  *[(f"{d}-{aid}", *tasks, "clean", f"aux-{d}", aid) for d, tasks in
                    (("dep2sem", ("depth", "semantic")), ("sem2dep", ("semantic", "depth")))
                    for aid in ("none", "edges", "norm", "both")]),
    "tasks": (("baseline", "atdt", "oracle"), ("sem2normals", "semantic", "normals", "clean", "supp-fig4", "Sem. → Norm."),
              ("dep2normals", "depth", "normals", "clean", "supp-fig4", "Dep. → Norm.")),
}


def test_every_shipped_study_is_tested_here_and_named_in_the_help():
    import atdt.cli.study

    shipped = {p.stem for p in studies_dir().glob("*.yaml")}
    assert shipped == {*SHIPPED, "reproduce"}
    listed = atdt.cli.study.__doc__.split("docs/studies.md):")[1].split("Examples")[0]
    assert {name.strip(" .\n") for name in listed.split(",")} == shipped


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_a_shipped_study_loads_and_validates(name, tiny_world, tmp_path):
    """Each point's config, with its domains pointed at the tiny world, passes the checks `atdt
    study` runs before training (methods, the labels each network's training splits must carry)."""
    study = load_study(resolve_study(name))
    assert study.base == "demo" and study.seeds == (0, 1, 2) and study.on == ("b", "a")
    methods, *expected = SHIPPED[name]
    tiny = [f"domain_a.root={tiny_world / 'clean'}", f"domain_b.root={tiny_world / 'camera'}",
            f"domain_b.depth_root={tiny_world / 'camera-proxy'}", f"out={tmp_path / 'runs'}",
            "translate.train.crop=[32,32]"]  # the tiny world's images are 32x64
    configs = point_configs(study)
    got = [(p.name, c.task_source, c.task_target, c.domain_a.root.split("/")[-1], p.table, p.label) for p, c in configs]
    assert got == expected
    for point, cfg in configs:
        assert cfg.methods == methods and cfg.name == f"{name}/{point.name}"
        assert cfg.domain_b.root == "data/world/camera" and cfg.domain_b.depth_root == "data/world/camera-proxy"
        paper = PAPER_TABLES.get(point.table)
        if paper is not None:  # the paper's rows stand beside the point: same tasks, a setting it prints
            assert (cfg.task_source, cfg.task_target) == (paper.task_source, paper.task_target)
            assert point.label in paper.settings
    for _, cfg in point_configs(study, tiny):
        validate_experiment(cfg)
    if name == "transfer_level":
        assert study.plot == "line" and [c.network.split_level for _, c in configs] == [1, 2, 3, 4]
        assert {c.transfer.down for _, c in configs} == {1}  # the demo's G at every level
    if name == "batch_norm":
        assert [c.network.norm for _, c in configs] == ["batch", "none"]
    if name == "auxiliary":  # the study that chose the demo's setting: validation splits, the demo's aids as "both"
        assert {(c.domain_a.test_split, c.domain_b.test_split) for _, c in configs} == {("val", "val")}
        aids = [(c.n1.aux_edges, c.n2.aux_edges, c.n1.norm_align) for _, c in configs]
        assert aids == 2 * [(0.0, 0.0, 0.0), (0.1, 0.1, 0.0), (0.0, 0.0, 0.1), (0.1, 0.1, 0.1)]
    if name == "tasks":
        assert study.metrics == ("mean", "median", "a11", "a22", "a30")
