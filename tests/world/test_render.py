"""The world's renderer: determinism, disjoint splits, class coverage, geometry and stereo."""

import cv2
import numpy as np
import pytest

from atdt.data import CLASSES
from atdt.world import DOMAINS, render
from atdt.world.domains import get_domain
from atdt.world.layout import make_scene

SIZE = (64, 128)
SKY, ROAD = CLASSES.index("sky"), CLASSES.index("road")


def test_outputs_have_the_documented_types():
    s = render("clean", 0, size=SIZE)
    assert s["image"].shape == s["right_image"].shape == (*SIZE, 3)
    assert s["image"].dtype == s["right_image"].dtype == np.uint8
    assert s["depth"].shape == SIZE and s["depth"].dtype == np.float32
    assert s["semantic"].shape == SIZE and s["semantic"].dtype == np.uint8
    assert s["normals"].shape == (*SIZE, 3) and s["normals"].dtype == np.float32
    assert set(s["camera"]) >= {"fx", "fy", "cx", "cy", "baseline"}
    assert s["semantic"].max() < len(CLASSES)


@pytest.mark.parametrize("domain", DOMAINS)
def test_same_sample_twice_is_bitwise_identical(domain):
    a, b = render(domain, 7, "val", SIZE), render(domain, 7, "val", SIZE)
    for key in ("image", "right_image", "depth", "semantic", "normals"):
        assert np.array_equal(a[key], b[key]), key
    assert a["camera"] == b["camera"]


def test_splits_never_share_a_scene():
    seen = {}
    for split in ("train", "val", "test"):
        for i in range(15):
            key = render("clean", i, split, (16, 32))["image"].tobytes()
            assert key not in seen, f"{split}/{i} repeats {seen.get(key)}"
            seen[key] = f"{split}/{i}"


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_class_appears_across_a_few_dozen_scenes(domain):
    counts = np.zeros(len(CLASSES), np.int64)
    for i in range(36):
        counts += np.bincount(render(domain, i, "train", SIZE)["semantic"].ravel(), minlength=len(CLASSES))
    missing = [c for c, n in zip(CLASSES, counts) if n == 0]
    assert not missing, f"{domain}: classes never rendered: {missing}"


@pytest.mark.parametrize("domain", DOMAINS)
def test_depth_semantics_and_normals_agree(domain):
    for i in range(4):
        s = render(domain, i, "train", SIZE)
        sky = s["semantic"] == SKY
        assert np.isinf(s["depth"][sky]).all() and np.isfinite(s["depth"][~sky]).all()
        assert (s["depth"][~sky] > 0).all()
        norms = np.linalg.norm(s["normals"], axis=-1)
        assert np.allclose(norms[~sky], 1.0, atol=1e-3) and np.all(norms[sky] == 0)
        pitch = s["camera"]["pitch"]
        road = s["semantic"] == ROAD
        # the road is the ground plane: its normal points up, i.e. (0, -cos p, -sin p) in the camera frame
        assert np.allclose(s["normals"][road], [0.0, -np.cos(pitch), -np.sin(pitch)], atol=1e-4)


def test_road_depth_follows_the_camera_geometry():
    """A flat road seen by a camera at height h pitched down by p: z = h / (v' cos p + sin p),
    with v' = (v - cy) / fy the normalised row; so it grows toward the horizon."""
    s = render("clean", 3, "train", (128, 256))
    cam = s["camera"]
    rows, cols = np.nonzero(s["semantic"] == ROAD)
    v = (rows + 0.5 - cam["cy"]) / cam["fy"]
    expected = cam["height"] / (v * np.cos(cam["pitch"]) + np.sin(cam["pitch"]))
    assert np.allclose(s["depth"][rows, cols], expected, rtol=1e-4)
    # rows nearer the horizon (smaller v) are farther away
    order = np.argsort(rows)
    assert np.all(np.diff(expected[order]) <= 1e-3)


def test_stereo_views_agree_through_the_disparity():
    """Warping the right view by d = fx * B / z reproduces the left view where nothing occludes."""
    s = render("clean", 5, "train", (128, 256))
    cam = s["camera"]
    depth = s["depth"]
    finite = np.isfinite(depth)
    disparity = np.where(finite, cam["fx"] * cam["baseline"] / np.where(finite, depth, 1.0), 0.0)
    h, w = depth.shape
    xs = (np.arange(w)[None, :] - disparity).astype(np.float32)
    ys = np.repeat(np.arange(h, dtype=np.float32)[:, None], w, axis=1)
    warped = cv2.remap(s["right_image"], xs, ys, cv2.INTER_LINEAR)
    diff = np.abs(warped.astype(int) - s["image"].astype(int)).max(axis=-1)
    valid = finite & (xs > 1) & (depth < 80)
    assert np.median(diff[valid]) <= 3
    assert np.mean(diff[valid] <= 12) > 0.85
    # and the disparity really is fx * B / z: a wrong baseline breaks the agreement
    xs_wrong = (np.arange(w)[None, :] - 2.0 * disparity).astype(np.float32)
    wrong = np.abs(cv2.remap(s["right_image"], xs_wrong, ys, cv2.INTER_LINEAR).astype(int) - s["image"].astype(int)).max(-1)
    assert np.mean(wrong[valid] <= 12) < np.mean(diff[valid] <= 12) - 0.05


def _stats(domain):
    images = np.stack([render(domain, i, "train", SIZE)["image"] for i in range(8)]).astype(np.float32) / 255
    grey = images.mean(-1)
    high_freq = np.abs(np.diff(grey, axis=2)).mean()
    saturation = (images.max(-1) - images.min(-1)).mean()
    return images.reshape(-1, 3).mean(0), grey.std(), high_freq, saturation


def test_presets_differ_in_image_statistics():
    stats = {d: _stats(d) for d in DOMAINS}
    for a in DOMAINS:
        for b in DOMAINS:
            if a < b:
                colour_gap = np.abs(stats[a][0] - stats[b][0]).max()
                sat_gap = abs(stats[a][3] - stats[b][3])
                assert colour_gap > 0.03 or sat_gap > 0.05, f"{a} and {b} look alike"
    # the camera-like domain is the noisy, washed-out one
    assert stats["camera"][3] < min(stats["clean"][3], stats["vivid"][3])


def test_presets_differ_in_camera_and_layout():
    cams = {d: render(d, 0, "train", SIZE)["camera"] for d in DOMAINS}
    assert len({round(c["fx"]) for c in cams.values()}) == len(DOMAINS)
    heights = {d: make_scene(get_domain(d), np.random.default_rng(0), SIZE).camera.height for d in DOMAINS}
    assert heights["vivid"] > heights["clean"] > heights["camera"]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"domain": "mars"}, "clean, vivid, camera"),
        ({"size": (8, 8)}, "at least"),
        ({"size": (64,)}, "HxW|height, width"),
        ({"size": ("a", "b")}, "integers"),
        ({"split": "dev"}, "train, val, test"),
        ({"index": -1}, ">= 0"),
    ],
)
def test_bad_arguments_raise_clear_errors(kwargs, match):
    args = {"domain": "clean", "index": 0, "split": "train", "size": SIZE, **kwargs}
    with pytest.raises(ValueError, match=match):
        render(**args)
