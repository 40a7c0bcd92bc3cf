"""`atdt export` as a user runs it: a task network's run folder to ONNX, checked in onnxruntime."""

import re

import numpy as np
import onnxruntime as ort  # the `export` extra, which the `test` extra (make test) includes
import pytest
import torch

from atdt.cli import main
from atdt.method.predictor import load_predictor


@pytest.mark.slow  # the dynamo exporter: tens of seconds on a loaded CPU
def test_export_a_task_network_run_folder(tiny_world, tmp_path, capsys):
    config = tmp_path / "c.yaml"
    config.write_text(f"task: semantic\ndomains: [{{name: world, root: {tiny_world / 'clean'}}}]\n"
                      "network: {decoder_channels: [8, 8, 8]}\ntrain: {steps: 2, batch_size: 2}\n"
                      "runtime: {accelerator: cpu, progress: false}\n")
    run = tmp_path / "run"
    assert main(["train-task", str(config), "--out", str(run)]) == 0
    capsys.readouterr()
    assert main(["export", str(run), "--out", str(tmp_path / "onnx" / "semantic.onnx")]) == 0
    out = capsys.readouterr().out
    measured = [float(d) for d in re.findall(r"([0-9.e+-]+) at \d+x\d+", out)]
    assert "raw [batch, 11, height, width]" in out and len(measured) == 2 and max(measured) < 1e-4
    model, _ = load_predictor(run)
    session = ort.InferenceSession(str(tmp_path / "onnx" / "semantic.onnx"), providers=["CPUExecutionProvider"])
    for batch, h, w in ((1, 32, 64), (3, 48, 80)):
        image = torch.rand(batch, 3, h, w)
        raw, ids = session.run(None, {"image": image.numpy()})
        with torch.no_grad():
            assert np.abs(raw - model(image).numpy()).max() < 1e-4
        assert ids.dtype == np.int64 and ids.shape == (batch, h, w) and np.array_equal(ids, raw.argmax(1))
    # a folder as --out is refused naming it
    assert main(["export", str(run), "--out", str(tmp_path)]) == 2
    assert f"--out: {tmp_path.resolve()} is a folder, not a file" in capsys.readouterr().err


def test_an_out_that_cannot_be_written_is_refused_before_the_predictor_is_read(tmp_path, capsys):
    """--out is checked as `atdt evaluate` checks --json: a path below a file is named at once."""
    (tmp_path / "notes.txt").write_text("a file, not a folder\n")
    out = tmp_path / "notes.txt" / "model.onnx"
    assert main(["export", str(tmp_path / "absent.pt"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"--out: {(tmp_path / 'notes.txt').resolve()} is a file, so {out.resolve()} cannot be made" in err
    assert "absent.pt" not in err
