"""Two-process DDP on CPU through the real command line."""

import json
import subprocess
import sys

import pytest


@pytest.mark.slow
def test_train_task_with_two_processes(tiny_world, tmp_path):
    config = tmp_path / "task.yaml"
    config.write_text(
        "task: depth\n"
        f"domains: [{{name: world, root: {tiny_world / 'clean'}}}]\n"
        "network: {decoder_channels: [16, 16, 16]}\n"
        "train: {steps: 4, batch_size: 4, log_every: 1, optim: {lr: 0.001}}\n"
        "runtime: {accelerator: cpu, progress: false}\n")
    out = tmp_path / "run"
    done = subprocess.run([sys.executable, "-m", "atdt", "train-task", str(config), "--devices", "2", "--out", str(out)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (out / "checkpoints" / "final.ckpt").is_file()
    assert "world_size=2" in done.stderr or "Initializing distributed: GLOBAL_RANK: 1" in done.stderr
    assert len(list((out / "logs" / "tensorboard").glob("events.out.tfevents.*"))) == 1  # rank 0 writes events
    metrics = json.loads((out / "metrics.json").read_text())
    assert "abs_rel" in next(iter(metrics.values()))
