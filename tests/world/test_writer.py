"""`atdt world make`: the folder layout, resuming after a kill, summary and contact sheet."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from atdt.data import load_dataset
from atdt.data.encodings import decode_normals
from atdt.data.io import read_image
from atdt.world import render
from atdt.world.writer import ensure_dataset, make_dataset


def test_written_files_decode_to_the_rendered_sample(tmp_path):
    summary = make_dataset("vivid", "val", 3, (32, 64), tmp_path, workers=1, progress=False)
    assert summary["count"] == 3
    assert abs(sum(summary["class_frequency"].values()) - 1.0) < 1e-6
    assert (tmp_path / "val.txt").read_text().split() == ["000000", "000001", "000002"]
    assert read_image(tmp_path / "preview_val.png").shape[1] == 4 * 64
    s = render("vivid", 1, "val", (32, 64))
    d = tmp_path / "val"
    assert np.array_equal(read_image(d / "image" / "000001.png"), s["image"])
    assert np.array_equal(read_image(d / "right" / "000001.png"), s["right_image"])
    assert np.array_equal(read_image(d / "semantic" / "000001.png"), s["semantic"])
    depth = read_image(d / "depth" / "000001.png")
    assert depth.dtype == np.uint16
    near = np.isfinite(s["depth"]) & (s["depth"] < 200)
    assert np.allclose(depth[near] / 256.0, s["depth"][near], atol=1 / 256)
    assert np.all(depth[~np.isfinite(s["depth"])] == 0)  # sky: no label
    normals = decode_normals(read_image(d / "normals" / "000001.png"))
    assert np.allclose(normals, s["normals"], atol=1e-4)
    camera = json.loads((d / "camera" / "000001.json").read_text())
    assert camera["fx"] == pytest.approx(s["camera"]["fx"])


def test_a_root_refuses_another_domain_or_size(tmp_path):
    make_dataset("clean", "train", 1, (16, 32), tmp_path, workers=1, progress=False)
    with pytest.raises(ValueError, match="refusing to mix"):
        make_dataset("camera", "train", 1, (16, 32), tmp_path, workers=1, progress=False)
    with pytest.raises(ValueError, match="refusing to mix"):
        make_dataset("clean", "val", 1, (32, 64), tmp_path, workers=1, progress=False)


def test_a_malformed_world_json_in_the_target_is_named(tmp_path):
    (tmp_path / "world.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match=r"world.json: must be a JSON object"):
        make_dataset("clean", "train", 1, (32, 64), tmp_path, workers=1, progress=False)


@pytest.mark.slow
def test_a_killed_make_resumes_without_corrupt_files(tmp_path):
    out = tmp_path / "w"
    cmd = [sys.executable, "-m", "atdt", "world", "make", "--domain", "camera", "--split", "train",
           "--count", "400", "--size", "32x64", "--out", str(out), "--workers", "2", "--quiet"]
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline and len(list((out / "train" / "camera").glob("*.json"))) < 40:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = len(list((out / "train" / "camera").glob("*.json")))
    assert 0 < partial < 400, "the kill should land mid-way"
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert not list(out.glob("train/*/.*.tmp"))
    dataset = load_dataset("world", out, "train")
    assert len(dataset) == 400
    for i in range(len(dataset)):  # every file of every sample decodes
        sample = dataset[i]
        assert sample["image"].shape == (3, 32, 64)
    # resumed samples are the same as freshly rendered ones
    assert np.array_equal(read_image(out / "train" / "image" / "000003.png"), render("camera", 3, "train", (32, 64))["image"])


def test_ensure_dataset_renders_only_what_is_missing(tmp_path):
    assert ensure_dataset("clean", "val", 2, (16, 32), tmp_path, workers=1, progress=False)["count"] == 2
    assert ensure_dataset("clean", "val", 2, (16, 32), tmp_path, workers=1, progress=False) is None
    assert ensure_dataset("clean", "val", 3, (16, 32), tmp_path, workers=1, progress=False)["count"] == 3


def test_the_writer_loads_no_torch_so_its_renderers_fork():
    """make_dataset forks its worker processes only while torch is not loaded (forking torch's
    thread pools can deadlock); everything it imports keeps it so."""
    code = "import sys\nimport atdt.world.writer\nprint('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and done.stdout.split() == ["False"], done.stderr
