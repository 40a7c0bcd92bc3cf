"""Pinhole camera of the world: OpenCV camera frame (x right, y down, z forward), pitched down.

World frame: X right, Y up, Z forward along the street; the ground is Y = 0. The camera sits at
height ``height`` and looks forward, tilted down by ``pitch`` radians. The rotation between the
two frames (a flip of y plus the pitch) is its own inverse, so one function serves both ways.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Camera:
    fx: float
    fy: float
    cx: float
    cy: float
    height: float  # metres above the ground
    pitch: float  # radians, positive = looking down
    baseline: float  # metres between the left and right camera centres
    x: float = 0.0  # lateral position of the left camera in the world

    def as_dict(self) -> dict:
        return {
            "fx": self.fx, "fy": self.fy, "cx": self.cx, "cy": self.cy,
            "baseline": self.baseline, "height": self.height, "pitch": self.pitch,
        }


def camera_to_world(v: np.ndarray, pitch: float) -> np.ndarray:
    """Rotate vectors (..., 3) between the camera frame and the world frame (an involution)."""
    c, s = np.cos(pitch), np.sin(pitch)
    out = np.empty_like(v)
    out[..., 0] = v[..., 0]
    out[..., 1] = -c * v[..., 1] - s * v[..., 2]
    out[..., 2] = -s * v[..., 1] + c * v[..., 2]
    return out


def ray_directions(camera: Camera, size: tuple[int, int]) -> np.ndarray:
    """World directions (H, W, 3) of the pixel centres, scaled so that the parameter t of a hit
    ``origin + t * d`` is the hit's camera z-depth."""
    h, w = size
    u = (np.arange(w, dtype=np.float32) + 0.5 - camera.cx) / camera.fx
    v = (np.arange(h, dtype=np.float32) + 0.5 - camera.cy) / camera.fy
    cam = np.empty((h, w, 3), np.float32)
    cam[..., 0] = u[None, :]
    cam[..., 1] = v[:, None]
    cam[..., 2] = 1.0
    return camera_to_world(cam, camera.pitch)


def origin(camera: Camera, right: bool = False) -> np.ndarray:
    return np.array([camera.x + (camera.baseline if right else 0.0), camera.height, 0.0], np.float32)


def project(camera: Camera, points: np.ndarray, right: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """World points (N, 3) -> pixel coordinates (N, 2) and camera z-depth (N,)."""
    cam = camera_to_world(points - origin(camera, right), camera.pitch)
    z = cam[:, 2]
    safe = np.where(np.abs(z) < 1e-6, 1e-6, z)
    uv = np.stack([camera.fx * cam[:, 0] / safe + camera.cx, camera.fy * cam[:, 1] / safe + camera.cy], axis=1)
    return uv, z
