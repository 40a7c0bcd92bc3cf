"""The study file: unknown or missing keys fail naming the key, grids expand into named points, and
every shipped study loads, matches the paper's tables and passes validation."""

import pytest

from atdt.cli import main
from atdt.method.methods import networks_for
from atdt.method.study_file import load_study, point_configs, study_from_dict
from atdt.method.validation import validate_experiment
from atdt.presets import resolve_study, studies_dir
from atdt.report.paper import PAPER_TABLES
from atdt.typed_config import ConfigError
from atdt.world.standard import world_data_needed


def test_the_shipped_cyclegan_study_gives_tab3_and_tab4():
    study = load_study(resolve_study("cyclegan"))
    assert study.base == "demo" and study.seeds == (0, 1, 2)
    configs = point_configs(study)
    assert [(p.table, p.label) for p, _ in configs] == [("tab3", "c"), ("tab4", "b")]
    for point, cfg in configs:
        paper = PAPER_TABLES[point.table]
        assert (cfg.task_source, cfg.task_target) == (paper.task_source, paper.task_target)
        assert cfg.methods == tuple(paper.settings[point.label].methods) == ("baseline", "atdt", "cyclegan", "atdt_cyclegan")
        assert (cfg.domain_a.root, cfg.domain_b.root, cfg.domain_b.depth_root) == (
            "data/world/clean", "data/world/camera", "data/world/camera-proxy")
        assert "translation" in networks_for(cfg.methods) and cfg.seeds == (0, 1, 2)
    # the two points share each seed's translation: its settings do not depend on the tasks
    assert configs[0][1].translate == configs[1][1].translate


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
    "multiscale": (("baseline", "atdt", "atdt_multiscale", "oracle"),
                   ("dep2sem-vivid-clean", "depth", "semantic", "vivid", "tab1", "a"),
                   ("dep2sem-vivid-camera", "depth", "semantic", "vivid", "tab1", "b"),
                   ("dep2sem-clean-camera", "depth", "semantic", "clean", "tab1", "c")),
    "thin_classes": (("baseline", "oracle"),
                     *[(f"dep2sem-{name}", "depth", "semantic", "clean", "thin", label) for name, label in (
                         ("skips-false-output_stride-16", "the earlier demo settings"),
                         ("skips-false-output_stride-8", "output stride 8"),
                         ("skips-true-output_stride-16", "decoder skips"),
                         ("balanced-skips-false-output_stride-16", "class-balanced p=0.5"),
                         ("balanced-skips-true-output_stride-16", "skips + class-balanced p=0.5"),
                         ("balanced075-skips-true-output_stride-16", "skips + class-balanced p=0.75"),
                         ("balanced1-skips-true-output_stride-16", "skips + class-balanced p=1"))]),
}


def _write(tmp_path, text, name="study.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


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


def test_a_study_file_that_is_not_text_is_named(tmp_path, capsys):
    path = tmp_path / "study.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00binary")
    assert main(["study", str(path)]) == 2
    assert f"{path}: not a text file (a YAML config was expected)" in capsys.readouterr().err


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
        b = cfg.domain_b.root.split("/")[-1]  # camera (B of every study but multiscale's first pair) or clean
        assert b in ("camera", "clean") and cfg.domain_b.depth_root == ("data/world/camera-proxy" if b == "camera" else None)
        paper = PAPER_TABLES.get(point.table)
        if paper is not None:  # the paper's rows stand beside the point: same tasks, a setting it prints
            assert (cfg.task_source, cfg.task_target) == (paper.task_source, paper.task_target)
            assert point.label in paper.settings
    for _, cfg in point_configs(study, tiny):
        validate_experiment(cfg)
    if name == "thin_classes":  # a point's name says its settings, whatever the demo preset holds
        settings = {p.name: (c.network.skips, c.network.output_stride, c.n2.class_balance, c.oracle.class_balance)
                    for p, c in configs}
        assert settings["dep2sem-skips-false-output_stride-16"] == (False, 16, 0, 0)
        assert settings["dep2sem-balanced-skips-false-output_stride-16"] == (False, 16, 0.5, 0.5)
        assert settings["dep2sem-balanced075-skips-true-output_stride-16"] == (True, 16, 0.75, 0.75)
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
