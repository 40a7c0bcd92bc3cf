"""Stereo proxy depth: a known disparity is recovered; on a rendered world pair the kept labels
are close to the exact depth."""

import cv2
import numpy as np
import pytest

from atdt.cli import main
from atdt.stereo import label_error, proxy_depth
from atdt.world import render


def test_constant_disparity_of_a_textured_plane_is_recovered():
    rng = np.random.default_rng(0)
    texture = cv2.GaussianBlur((rng.random((80, 200)) * 255).astype(np.float32), (0, 0), 1.0)
    texture = np.repeat(cv2.normalize(texture, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)[:, :, None], 3, axis=2)
    shift = 6  # pixels
    left = texture[:, 0:160].copy()
    right = texture[:, shift : shift + 160].copy()  # a texture point at x in the left view is at x - shift in the right
    camera = {"fx": 100.0, "baseline": 0.5}
    depth, info = proxy_depth(left, right, camera, min_depth=5.0)  # disparities up to 10 px
    kept = depth > 0
    assert info["density"] > 0.5
    assert np.allclose(depth[kept], 100.0 * 0.5 / shift, rtol=0.02)
    # SGBM alone leaves the first 16 columns (its disparity range) unmatched; padding recovers
    # those whose match lies inside the right view, never those whose match falls outside it
    assert kept[:, 10:16].mean() > 0.8 and not kept[:, :shift].any()


def test_world_stereo_pair_gives_accurate_labels_where_kept():
    errors, densities = [], []
    for i in range(4):
        s = render("camera", i, "train", (128, 256))
        depth, info = proxy_depth(s["image"], s["right_image"], s["camera"])
        exact = np.where(np.isfinite(s["depth"]), s["depth"], 0)
        errors.append(label_error(depth, exact))
        densities.append(info["density"])
    assert np.mean(densities) > 0.35
    assert np.median([e["within_10"] for e in errors]) > 0.6
    assert np.mean([e["abs_rel"] for e in errors]) < 0.2


def test_mono_camera_is_refused():
    img = np.zeros((16, 32, 3), np.uint8)
    with pytest.raises(ValueError, match="baseline"):
        proxy_depth(img, img, {"fx": 10.0, "baseline": 0.0})


def _proxy_cli(*args):
    import os
    import subprocess
    import sys

    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "atdt", "proxy-depth", *map(str, args)], capture_output=True,
                          text=True, timeout=300, env=env, check=False)


@pytest.mark.parametrize("fault", ["missing", "corrupt"])
def test_a_bad_right_image_is_named_and_the_pool_shuts_down_cleanly(tmp_path, fault):
    """Once SIGABRT (exit 134, "terminate called without an active exception")."""
    from atdt.world.writer import make_dataset

    make_dataset("camera", "train", 6, (32, 64), tmp_path / "w", workers=1, progress=False)
    right = tmp_path / "w/train/right/000003.png"
    if fault == "missing":
        right.unlink()
    else:
        right.write_bytes(b"not a png")
    done = _proxy_cli("world", tmp_path / "w", "--out", tmp_path / "p", "--workers", 2, "--quiet")
    assert done.returncode == 2, done.stderr
    assert f"{right}: " in done.stderr and "1 of 6 stereo pairs unusable" in done.stderr
    assert "terminate called" not in done.stderr and "Traceback" not in done.stderr


def test_workers_are_validated_like_everywhere_else(tmp_path, capsys):
    for command in (["proxy-depth", "world", tmp_path, "--out", tmp_path / "p", "--workers", 0],
                    ["world", "make", "--domain", "camera", "--count", 1, "--out", tmp_path / "w", "--workers", 0]):
        with pytest.raises(SystemExit) as exit_:
            main([str(c) for c in command])
        assert exit_.value.code == 2 and "--workers: expected an integer >= 1, got 0" in capsys.readouterr().err
    (tmp_path / "file").write_text("x")
    assert main(["world", "make", "--domain", "camera", "--count", "1", "--out", str(tmp_path / "file")]) == 2


def test_proxy_depth_never_replaces_a_file_the_dataset_reads(tiny_world, tmp_path):
    import shutil

    from atdt.data import load_dataset
    from atdt.stereo import write_proxy_depth

    root = tmp_path / "camera"
    shutil.copytree(tiny_world / "camera", root)
    (root / "train.txt").write_text("000000\nimage/000000\n")  # the second map's name is the first's image
    image = root / "train" / "image" / "000000.png"
    before = image.read_bytes()
    with pytest.raises(ValueError, match=f"would overwrite the input {image}"):
        write_proxy_depth(load_dataset("world", root, "train"), root, progress=False)
    assert image.read_bytes() == before and not (root / "train" / "000000.png").exists()  # refused before any work
