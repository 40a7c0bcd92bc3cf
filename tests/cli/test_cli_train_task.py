"""`atdt train-task`, `atdt evaluate` and `atdt predict` as a user runs them."""

import json
import os
import shutil

import cv2
import numpy as np
import pytest
import torch

from atdt.cli import main
from atdt.data import load_dataset
from atdt.data.io import read_rgb, write_image
from atdt.engine import evaluate, load_checkpoint, load_task_network
from scores import same_scores


def _config(world, path, extra="", domain="clean"):
    path.write_text(
        "task: semantic\n"
        f"domains: [{{name: world, root: {world / domain}}}]\n"
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
    scores = json.loads(next(run.glob("eval-world-camera-*-test.json")).read_text())["scores"]
    assert "Road" in capsys.readouterr().out
    # the scores of the trained network on camera's test split, as evaluated in this process
    net, task, _ = load_task_network(run)
    test = load_dataset("world", tiny_world / "camera", "test")
    assert same_scores(scores, evaluate(net, test, task, device="cpu", progress=False))
    image = tiny_world / "camera" / "test" / "image" / "000000.png"
    assert main(["predict", str(run), str(image), "--out", str(tmp_path / "pred")]) == 0
    ids = np.load(tmp_path / "pred" / "000000_semantic.npy")
    with torch.no_grad():
        expected = task.predict(net(torch.from_numpy(read_rgb(image)).permute(2, 0, 1).float().div(255.0)[None]))[0]
    assert np.array_equal(ids, expected.numpy())  # the network's class ids of that image
    png = cv2.imread(str(tmp_path / "pred" / "000000_semantic.png"))
    assert png is not None and np.array_equal(png[..., ::-1], task.colourise(expected))


def test_evaluate_rejects_a_bad_data_spec(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path), "--data", "world"]) == 2
    assert "NAME:ROOT" in capsys.readouterr().err


def test_a_run_folder_trained_on_other_data_or_another_task_is_not_reused(tiny_world, tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train-task", str(_config(tiny_world, tmp_path / "c.yaml")), "--out", str(run)]) == 0
    capsys.readouterr()
    # other domains: retrained on them, the network of the old domain kept aside
    assert main(["train-task", str(_config(tiny_world, tmp_path / "d.yaml", domain="camera")), "--out", str(run)]) == 0
    assert load_checkpoint(run / "checkpoints" / "final.ckpt")["config"]["domains"][0]["root"].endswith("camera")
    assert list(json.loads((run / "metrics.json").read_text())) == ["world/camera/val"]
    out = capsys.readouterr().out
    assert "run: config or inputs changed (data[0]" in out and "previous run kept in" in out
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("run.")]
    assert len(aside) == 1 and load_checkpoint(aside[0] / "checkpoints" / "final.ckpt")["config"]["domains"][0][
        "root"].endswith("clean")
    # another task (other output channels): retrained, no state_dict size mismatch
    assert main(["train-task", str(tmp_path / "d.yaml"), "task=depth", "--out", str(run)]) == 0
    assert load_checkpoint(run / "checkpoints" / "final.ckpt")["config"]["task"] == "depth"
    assert "run: config or inputs changed (task" in capsys.readouterr().out
    # logging does not change the network: reused
    assert main(["train-task", str(tmp_path / "d.yaml"), "task=depth", "train.log_every=2", "--out", str(run)]) == 0
    assert "run: reused" in capsys.readouterr().out


def test_outputs_never_overwrite_each_other(tiny_world, tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train-task", str(_config(tiny_world, tmp_path / "c.yaml")), "--out", str(run)]) == 0
    for folder, index in (("a", "000000"), ("b", "000001")):
        (tmp_path / folder).mkdir()
        shutil.copy(tiny_world / "camera" / "test" / "image" / f"{index}.png", tmp_path / folder / "street.png")
    assert main(["predict", str(run), str(tmp_path / "a/street.png"), str(tmp_path / "b/street.png"),
                 "--out", str(tmp_path / "pred")]) == 0
    a, b = np.load(tmp_path / "pred/a/street_semantic.npy"), np.load(tmp_path / "pred/b/street_semantic.npy")
    assert a.shape == b.shape == (32, 64) and (tmp_path / "pred/b/street_semantic.png").is_file()
    # scoring two roots keeps both score files
    shutil.copytree(tiny_world / "camera", tmp_path / "other" / "camera")
    for root in (tiny_world / "camera", tmp_path / "other" / "camera"):
        assert main(["evaluate", str(run), "--data", f"world:{root}:test"]) == 0
    assert len(list(run.glob("eval-world-camera-*-test.json"))) == 2
    capsys.readouterr()
    (tmp_path / "file").write_text("x")
    assert main(["predict", str(run), str(tmp_path / "a/street.png"), "--out", str(tmp_path / "file")]) == 2
    assert "is an existing file" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["evaluate", str(run), "--data", f"world:{tiny_world / 'camera'}:test", "--limit", "0"])
    assert "expected an integer >= 1, got 0" in capsys.readouterr().err


def test_evaluate_checks_where_it_writes_first_and_shows_the_scores_whatever_happens(tiny_world, tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train-task", str(_config(tiny_world, tmp_path / "c.yaml")), "--out", str(run)]) == 0
    data = ["--data", f"world:{tiny_world / 'camera'}:test"]
    (tmp_path / "file").write_text("x")
    capsys.readouterr()
    assert main(["evaluate", str(run), *data, "--json", str(tmp_path / "file" / "scores.json")]) == 2
    out, err = capsys.readouterr()
    assert "Road" not in out and f"{tmp_path / 'file'} is a file, so" in err  # refused before scoring
    assert main(["evaluate", str(run), *data, "--json", str(run)]) == 2
    assert "is a folder, not a file" in capsys.readouterr().err
    if os.path.exists("/dev/full"):  # a full disk: the scores are shown anyway
        assert main(["evaluate", str(run), *data, "--json", "/dev/full"]) == 1
        out, err = capsys.readouterr()
        assert "Road" in out and "could not be written to /dev/full: No space left on device" in err
    # a test split without a valid label: an error naming it, no NaN scores written
    shutil.copytree(tiny_world / "camera", tmp_path / "blank")
    for path in (tmp_path / "blank" / "test" / "semantic").glob("*.png"):
        write_image(path, np.full((32, 64), 255, np.uint8))
    assert main(["evaluate", str(run), "--data", f"world:{tmp_path / 'blank'}:test"]) == 2
    assert "world/camera split 'test': none of its 4 image(s) has a valid semantic label" in capsys.readouterr().err
    assert not list(run.glob("eval-world-blank-*.json"))


def test_user_mistakes_end_in_one_line_not_a_traceback(tiny_world, tmp_path, capsys):
    run = tmp_path / "run"
    config = _config(tiny_world, tmp_path / "c.yaml")
    # a learning rate that makes the loss diverge: the loop's own advice, exit 1
    assert main(["train-task", str(config), "train.optim.lr=1e30", "--out", str(run)]) == 1
    assert "loss became nan" in capsys.readouterr().err
    assert main(["train-task", str(config), "--out", str(run)]) == 0
    loop = tmp_path / "loop.png"
    loop.symlink_to(loop)  # a link to itself
    assert main(["predict", str(run), str(loop), "--out", str(tmp_path / "pred")]) in (1, 2)  # 2 on Python >= 3.13
    assert f"{loop}" in capsys.readouterr().err


def test_a_read_only_output_folder_is_refused_before_training(tiny_world, tmp_path, capsys):
    folder = tmp_path / "readonly"
    folder.mkdir()
    os.chmod(folder, 0o555)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("running as root: folder permissions do not bind")
        assert main(["train-task", str(_config(tiny_world, tmp_path / "c.yaml")), "--out", str(folder / "run")]) == 2
        assert f"{folder} is not writable" in capsys.readouterr().err
    finally:
        os.chmod(folder, 0o755)
