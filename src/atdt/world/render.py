"""``render(domain, index, split, size)``: one deterministic street sample with every label."""

from __future__ import annotations

import zlib

import numpy as np

from atdt.world.camera import camera_to_world, origin, ray_directions
from atdt.world.domains import get_domain
from atdt.world.layout import make_scene
from atdt.world.raycast import SKY, trace
from atdt.world.shading import camera_effects, semantic_ids, shade

MIN_SIZE = (16, 32)
SPLITS = ("train", "val", "test")


def seed_sequence(domain: str, split: str, index: int) -> np.random.SeedSequence:
    """Stable across machines and Python runs (crc32, never hash()); the split is part of the
    seed, so train, val and test never share a scene."""
    return np.random.SeedSequence([zlib.crc32(domain.encode()), zlib.crc32(split.encode()), int(index)])


def check_size(size) -> tuple[int, int]:
    try:
        h, w = (int(s) for s in size)
        ok = (h, w) == tuple(size) and h >= MIN_SIZE[0] and w >= MIN_SIZE[1]
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"bad size {size!r}: give (height, width) as integers, at least {MIN_SIZE[0]}x{MIN_SIZE[1]}")
    return h, w


def render(domain: str, index: int, split: str = "train", size=(128, 256)) -> dict:
    """Render sample ``index`` of ``split`` in ``domain``.

    Returns image and right_image (uint8 HxWx3), depth (float32 HxW camera z-depth in metres, inf
    for sky), semantic (uint8 HxW, ids of atdt.data.CLASSES), normals (float32 HxWx3, unit, OpenCV
    camera frame, zero for sky) and camera (fx, fy, cx, cy, baseline, height, pitch).
    """
    preset = get_domain(domain)
    size = check_size(size)
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose one of: {', '.join(SPLITS)}")
    if int(index) < 0:
        raise ValueError(f"index must be >= 0, got {index}")
    scene_rng, left_rng, right_rng = (np.random.default_rng(s) for s in seed_sequence(domain, split, index).spawn(3))
    scene = make_scene(preset, scene_rng, size)
    cam = scene.camera
    dirs = ray_directions(cam, size)
    left = trace(scene.primitives, cam, dirs, origin(cam))
    right = trace(scene.primitives, cam, dirs, origin(cam, right=True), right=True)
    image = camera_effects(shade(left, scene, preset, dirs), scene, preset, left_rng)
    right_image = camera_effects(shade(right, scene, preset, dirs), scene, preset, right_rng)
    normals = camera_to_world(left.normal, cam.pitch)  # the frame rotation is its own inverse
    normals[left.index == SKY] = 0.0
    return {
        "image": image,
        "right_image": right_image,
        "depth": left.t,
        "semantic": semantic_ids(left, scene),
        "normals": normals.astype(np.float32),
        "camera": cam.as_dict(),
    }
