"""`atdt train-task`, `atdt evaluate` and `atdt predict` as a user runs them."""

import json

import cv2
import numpy as np

from atdt.cli import main


def _config(world, path, extra=""):
    path.write_text(
        "task: semantic\n"
        f"domains: [{{name: world, root: {world / 'clean'}}}]\n"
        "network: {decoder_channels: [16, 16, 16]}\n"
        "train: {steps: 3, batch_size: 4, log_every: 1, optim: {lr: 0.001}}\n"
        "runtime: {accelerator: cpu, progress: false}\n" + extra)
    return path


def test_unknown_config_key_fails_naming_it(tiny_world, tmp_path, capsys):
    config = _config(tiny_world, tmp_path / "c.yaml", "trian: {steps: 3}\n")
    assert main(["train-task", str(config)]) == 2
    err = capsys.readouterr().err
    assert "unknown config key(s) trian" in err and "valid keys" in err
    assert main(["train-task", str(_config(tiny_world, tmp_path / "d.yaml")), "train.stepz=2"]) == 2
    assert "train.stepz" in capsys.readouterr().err


def test_train_evaluate_predict(tiny_world, tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train-task", str(_config(tiny_world, tmp_path / "c.yaml")), "--out", str(run)]) == 0
    out = capsys.readouterr().out
    assert "mIoU" in out and (run / "metrics.json").is_file()
    assert main(["evaluate", str(run), "--data", f"world:{tiny_world / 'camera'}:test"]) == 0
    scores = json.loads((run / "eval-world-test.json").read_text())["scores"]
    assert 0.0 <= scores["acc"] <= 100.0 and "Road" in capsys.readouterr().out
    image = tiny_world / "camera" / "test" / "image" / "000000.png"
    assert main(["predict", str(run), str(image), "--out", str(tmp_path / "pred")]) == 0
    png = cv2.imread(str(tmp_path / "pred" / "000000_semantic.png"))
    assert png is not None and png.shape == (32, 64, 3)
    ids = np.load(tmp_path / "pred" / "000000_semantic.npy")
    assert ids.shape == (32, 64) and ids.max() < 11


def test_evaluate_rejects_a_bad_data_spec(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path), "--data", "world"]) == 2
    assert "NAME:ROOT" in capsys.readouterr().err
