"""`atdt translate` as a user runs it, on the tiny world: train, write "B like A", report, reuse."""

import json

from atdt.cli import main
from atdt.config import ExperimentConfig
from atdt.data import load_dataset
from atdt.typed_config import load_config
from atdt.method.validation import validate_experiment

TINY = ["train.steps=4", "train.crop=[32,32]", "train.log_every=1", "train.ckpt_every=2", "network.width=4",
        "network.blocks=1", "network.disc_width=4", "report_limit=6", "sheet_rows=2"]


def test_translate_end_to_end_then_reuse(tiny_world, tmp_path, capsys):
    out = tmp_path / "tr"
    args = ["translate", f"world:{tiny_world / 'clean'}", f"world:{tiny_world / 'camera'}",
            f"domain_b.depth_root={tiny_world / 'camera-proxy'}", *TINY, "--out", str(out), "--quiet"]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "B like A" in printed and "colour_w1" in printed and "training" in printed
    root = out / "b_like_a"
    for split, count in (("train", 12), ("val", 4), ("test", 4)):
        like, b = load_dataset("world", root, split), load_dataset("world", tiny_world / "camera", split)
        assert len(like) == count and like.domain == "world/camera-like-clean"
        assert (root / split / "semantic" / f"{b.ids[0]}.png").read_bytes() == (
            tiny_world / "camera" / split / "semantic" / f"{b.ids[0]}.png").read_bytes()
    report = json.loads((out / "distances.json").read_text())
    assert set(report["b_vs_a"]) == set(report["b_like_a_vs_a"]) == {"colour_w1", "colour_mean", "colour_std", "gradient_w1"}
    assert (out / "contact_sheet.png").is_file() and (out / "checkpoints" / "final.ckpt").is_file()
    assert len((out / "logs" / "train.csv").read_text().splitlines()) == 5
    # usable as domain B of an experiment, with the copied proxy depth
    cfg = load_config(ExperimentConfig, "experiments/tiny.yaml",
                      [f"domain_a.root={tiny_world / 'clean'}", f"domain_b.root={root}",
                       f"domain_b.depth_root={out / 'b_like_a-proxy'}", f"out={tmp_path / 'runs'}"])
    validate_experiment(cfg)
    # the same inputs again: nothing is retrained
    assert main(args) == 0
    assert "tr: reused" in capsys.readouterr().out


def test_translate_rejects_bad_specs_and_values(tiny_world, tmp_path, capsys):
    assert main(["translate", "world", f"world:{tiny_world / 'camera'}"]) == 2
    assert "NAME:ROOT" in capsys.readouterr().err
    good = [f"world:{tiny_world / 'clean'}", f"world:{tiny_world / 'camera'}"]
    out = ["--out", str(tmp_path / "tr")]
    assert main(["translate", *good, "train.stepz=3", *out]) == 2
    assert "train.stepz" in capsys.readouterr().err
    assert main(["translate", *good, "train.steps=0", "runtime.devices=2", "train.decay_from=2", *out]) == 2
    err = capsys.readouterr().err
    assert "train.steps" in err and "one device" in err and "train.decay_from" in err
    assert main(["translate", *good, "train.crop=[64,64]", *out]) == 2
    assert "larger than the images" in capsys.readouterr().err
    assert not (tmp_path / "tr" / "checkpoints").exists()


def test_shipped_presets_load_and_validate(tiny_world):
    from atdt.presets import experiments_dir
    from atdt.config import TranslationRunConfig
    from atdt.validate import validate_translation

    roots = [f"domain_a.root={tiny_world / 'clean'}", f"domain_b.root={tiny_world / 'camera'}"]
    demo = load_config(TranslationRunConfig, experiments_dir() / "translate_demo.yaml", roots)
    paper = load_config(TranslationRunConfig, experiments_dir() / "translate_paper.yaml", roots)
    for cfg in (demo, paper):
        validate_translation(cfg)
    assert (demo.network.width, demo.network.blocks, demo.train.crop, demo.runtime.accelerator) == (16, 6, (64, 64), "cpu")
    assert (paper.network.width, paper.network.blocks, paper.network.disc_layers) == (64, 9, 3)
    assert (paper.train.steps, paper.train.crop, paper.train.batch_size, paper.train.lr) == (200_000, (400, 400), 1, 2e-4)
