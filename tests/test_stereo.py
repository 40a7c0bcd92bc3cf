"""Stereo proxy depth: a known disparity is recovered; on a rendered world pair the kept labels
are close to the exact depth."""

import cv2
import numpy as np
import pytest

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
