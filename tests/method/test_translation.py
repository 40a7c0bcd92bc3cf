"""AT/DT + CycleGAN in the runner (paper Sec. 5.3, Tab. 3-4): the ``translation`` network (CycleGAN,
trained on demand, the fingerprint `atdt translate` uses), its product B like A, and the methods
``cyclegan`` and ``atdt_cyclegan`` that are tested on it."""

import json

import torch

from atdt.cli import main
from atdt.presets import resolve_experiment
from atdt.config import ExperimentConfig, TranslateConfig
from atdt.data import load_dataset
from atdt.engine import evaluate, load_task_network, mean_focal
from atdt.method.methods import METHODS, networks_for
from atdt.method.network_types import TYPES
from atdt.method.network_table import DERIVED, NETWORKS, networks_needed
from atdt.method.study_file import load_study, point_configs
from atdt.presets import resolve_study
from atdt.report.paper import PAPER_TABLES
from atdt.tasks import get_task
from atdt.typed_config import load_config
from scores import same_scores

FOUR = "methods=[baseline,atdt,cyclegan,atdt_cyclegan]"


def _run(overrides, capsys):
    assert main(["run", "tiny", *overrides]) == 0
    return capsys.readouterr().out


def test_experiment_translation_defaults_are_the_translate_demo_preset():
    demo = load_config(TranslateConfig, resolve_experiment("translate_demo"))
    ours = ExperimentConfig().translate
    assert (ours.network, ours.train, ours.seed) == (demo.network, demo.train, None)


def test_the_cyclegan_methods_need_the_translation_and_what_learns_from_b_like_a():
    assert networks_for(["cyclegan"]) == ["n2", "translation"]
    assert networks_for(["atdt_cyclegan"]) == ["n2", "translation", "n1_cyclegan", "g_cyclegan"]
    assert networks_needed(["n1_cyclegan"]) == ["translation", "n1_cyclegan"]  # its domain's maker first
    assert networks_for(["baseline", "atdt"]) == ["n1", "n2", "g"]  # no translation unless a method needs it
    assert (METHODS["cyclegan"].test_on, METHODS["atdt_cyclegan"].test_on, METHODS["atdt"].test_on) == ("b_like_a",) * 2 + ("b",)
    order = list(NETWORKS)
    for name, net in NETWORKS.items():
        for domain in net.domains:
            assert domain in ("a", "b") or order.index(DERIVED[domain].made_by) < order.index(name), name
    for derived in DERIVED.values():
        assert TYPES[NETWORKS[derived.made_by].type].product is not None


def test_translation_settings_are_checked_only_when_a_method_needs_them(tiny_overrides, tmp_path, capsys):
    bad = ["translate.train.steps=0", "translate.network.width=0", "translate.seed=-1", "translate.train.crop=[64,64]"]
    assert main(["run", "tiny", *tiny_overrides, *bad, "methods=[baseline,cyclegan]", "runtime.devices=2"]) == 2
    err = capsys.readouterr().err
    for fragment in ("translate.train.steps: must be >= 1", "translate.network.width: must be >= 1",
                     "translate.seed: a seed must be in 0 .. 4294967295",
                     "runtime.devices: CycleGAN (translation) trains on one device"):
        assert fragment in err
    assert main(["run", "tiny", *tiny_overrides, "translate.train.crop=[64,64]", "methods=[cyclegan]"]) == 2
    assert "translate.train.crop [64, 64] is larger than the images" in capsys.readouterr().err
    assert not (tmp_path / "runs").exists()
    cfg = load_config(ExperimentConfig, resolve_experiment("tiny"), [*tiny_overrides, *bad, "methods=[baseline]"])
    from atdt.method.validation import validate_experiment

    validate_experiment(cfg)  # the Baseline alone trains no CycleGAN: its settings do not matter


def test_the_four_rows_of_tab3_come_from_one_experiment_and_the_translation_is_reused(tiny_world, tiny_overrides,
                                                                                      tmp_path, capsys):
    out = _run([*tiny_overrides, FOUR], capsys)
    seed = tmp_path / "runs" / "tiny" / "seed0"
    assert {"translation", "n1_cyclegan", "transfer_cyclegan", "n1", "n2", "transfer"} <= {p.name for p in seed.iterdir()}
    results = json.loads((seed / "results.json").read_text())
    assert list(results["methods"]) == ["baseline", "atdt", "cyclegan", "atdt_cyclegan"]
    for scores in results["methods"].values():
        assert {"miou", "acc", "iou"} <= set(scores) and len(scores["iou"]) == 11
    like_domain = "world/camera-like-clean"
    assert results["tested_on"] == {"baseline": "world/camera", "atdt": "world/camera",
                                    "cyclegan": like_domain, "atdt_cyclegan": like_domain}
    assert {"translation", "n1_cyclegan", "transfer_cyclegan"} <= set(results["timings_s"])
    md = (seed / "results.md").read_text()
    assert "| CycleGAN |" in md and "| AT/DT + CycleGAN |" in md and f"CycleGAN on {like_domain}" in md
    assert (seed / "figures" / "qualitative-b_like_a.png").is_file() and (seed / "figures" / "qualitative.png").is_file()
    assert "AT/DT + CycleGAN" in out  # the printed summary

    # the split the CycleGAN methods are scored on is the translated one: other images, B's labels
    like = load_dataset("world", seed / "translation" / "b_like_a", "test")
    b = load_dataset("world", tiny_world / "camera", "test")
    assert like.domain == like_domain and like.names == b.names
    for i in range(len(b)):
        x, y = b[i], like[i]
        assert not torch.allclose(x["image"], y["image"], atol=0.05)
        assert torch.equal(x["semantic"], y["semantic"]) and torch.equal(x["depth"], y["depth"])
    n2, _, _ = load_task_network(seed / "n2")
    task = get_task("semantic")
    assert same_scores(evaluate(n2.eval(), like, task, device="cpu", progress=False), results["methods"]["cyclegan"])
    # N1 of AT/DT + CycleGAN learnt from A and B like A (with B's proxy depth, copied beside it)
    n1_inputs = json.loads((seed / "n1_cyclegan" / "fingerprint.json").read_text())
    assert n1_inputs["data"][1]["domain"] == "b_like_a"
    assert n1_inputs["data"][1]["made_by"] == (seed / "translation" / "fingerprint.txt").read_text().strip()
    assert (seed / "translation" / "b_like_a-proxy" / "train").is_dir()

    # a second run: every network, the translation included, is reused; B like A is not rewritten
    image = seed / "translation" / "b_like_a" / "test" / "image" / f"{b.ids[0]}.png"
    ckpt = seed / "translation" / "checkpoints" / "final.ckpt"
    stamps = image.stat().st_mtime_ns, ckpt.stat().st_mtime_ns
    out = _run([*tiny_overrides, FOUR], capsys)
    assert out.count(": reused") == 7 and "translation: reused" in out and ": training" not in out
    assert "evaluation: reused" in out
    assert (image.stat().st_mtime_ns, ckpt.stat().st_mtime_ns) == stamps
    assert json.loads((seed / "results.json").read_text())["methods"] == results["methods"]
    # another translation setting retrains the translation and what learnt from its product, not N2
    out = _run([*tiny_overrides, FOUR, "translate.train.steps=3"], capsys)
    assert "translation: config or inputs changed (train.steps)" in out
    assert "n1_cyclegan: config or inputs changed (data[1].made_by)" in out and "n2: reused" in out


def test_the_runner_adopts_the_translation_of_atdt_translate_and_rescales_depth(tiny_world, tiny_overrides, tmp_path,
                                                                               capsys):
    """The same data, settings, seed and precision: one fingerprint, so the experiment takes the
    translation `atdt translate` trained. Depth of N2 on B like A is rescaled by f_B / f_A as on B."""
    tiny = load_config(ExperimentConfig, resolve_experiment("tiny"), tiny_overrides).translate
    settings = [f"network.{k}={getattr(tiny.network, k)}" for k in ("width", "blocks", "disc_width", "disc_layers")]
    settings += [f"train.{k}={getattr(tiny.train, k)}" for k in ("steps", "log_every", "ckpt_every")]
    translated = tmp_path / "runs" / "translate" / "tiny"
    assert main(["translate", f"world:{tiny_world / 'clean'}", f"world:{tiny_world / 'camera'}",
                 f"domain_b.depth_root={tiny_world / 'camera-proxy'}", *settings, "train.crop=[32,32]",
                 "--out", str(translated), "--quiet"]) == 0
    capsys.readouterr()
    out = _run([*tiny_overrides, "task_source=semantic", "task_target=depth", "methods=[cyclegan]"], capsys)
    assert f"translation: reused (same inputs as {translated})" in out
    seed = tmp_path / "runs" / "tiny" / "seed0"
    ckpt = "checkpoints/final.ckpt"
    assert (seed / "translation" / ckpt).read_bytes() == (translated / ckpt).read_bytes()
    like, theirs = (load_dataset("world", folder / "b_like_a", "test") for folder in (seed / "translation", translated))
    assert all(torch.equal(like[i]["image"], theirs[i]["image"]) for i in range(len(like)))
    results = json.loads((seed / "results.json").read_text())
    a, b = load_dataset("world", tiny_world / "clean", "test"), load_dataset("world", tiny_world / "camera", "test")
    ratio = mean_focal(b) / mean_focal(a)
    assert ratio != 1.0 and results["depth_scale"] == ratio
    n2, _, _ = load_task_network(seed / "n2")
    depth = get_task("depth")
    scores = results["methods"]["cyclegan"]
    kw = {"device": "cpu", "progress": False}
    assert same_scores(evaluate(n2.eval(), like, depth, depth_scale=ratio, **kw), scores)
    assert not same_scores(evaluate(n2.eval(), like, depth, **kw), scores)  # rescaled, as on B
    assert not same_scores(evaluate(n2.eval(), b, depth, depth_scale=ratio, **kw), scores)  # not B's own images


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
