"""Label encodings: the depth codes of the paper's datasets (facts from the datasets'
documentation) and atdt's own 16-bit normals (the world and folder formats)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from atdt.data.errors import DatasetError


def encode_normals(normals: np.ndarray) -> np.ndarray:
    """Unit normals -> uint16 HxWx3 with 1..65535 per component; all-zero = no normal (sky)."""
    valid = np.linalg.norm(normals, axis=-1) > 0.5
    encoded = np.round((normals + 1.0) * 32767.0).astype(np.int64) + 1
    encoded[~valid] = 0
    return np.clip(encoded, 0, 65535).astype(np.uint16)


def decode_normals(encoded: np.ndarray) -> np.ndarray:
    valid = encoded.any(axis=-1)
    normals = (encoded.astype(np.float32) - 1.0) / 32767.0 - 1.0
    normals[~valid] = 0.0
    return normals


def disparity_png_to_depth(p: np.ndarray, fx: float, baseline: float) -> np.ndarray:
    """Cityscapes 16-bit disparity: d = (p - 1) / 256 for p > 0; p == 0 invalid; z = B f / d."""
    p = p.astype(np.float32)
    d = np.where(p > 0, (p - 1.0) / 256.0, 0.0)
    depth = np.zeros_like(d)
    valid = d > 0
    depth[valid] = baseline * fx / d[valid]
    return depth


def kitti_disparity_to_depth(v: np.ndarray, fx: float, baseline: float) -> np.ndarray:
    """KITTI stereo 2012/2015: d = v / 256, v == 0 invalid; z = f B / d."""
    d = v.astype(np.float32) / 256.0
    depth = np.zeros_like(d)
    valid = d > 0
    depth[valid] = fx * baseline / d[valid]
    return depth


def rgb24_to_depth(rgb: np.ndarray, far: float = 1000.0) -> np.ndarray:
    """CARLA / SYNTHIA-SF 24-bit depth: (R + G 256 + B 256^2) / (256^3 - 1) x 1000 m."""
    rgb = rgb.astype(np.float64)
    normalised = (rgb[..., 0] + rgb[..., 1] * 256.0 + rgb[..., 2] * 65536.0) / (256.0**3 - 1)
    return (normalised * far).astype(np.float32)


def read_kitti_calib(path) -> dict:
    """fx, cx, cy and the stereo baseline from a KITTI calibration file (P2 and P3 lines)."""
    mats = {}
    for line in Path(path).read_text().splitlines():
        if ":" in line:
            key, values = line.split(":", 1)
            try:
                mats[key.strip()] = np.array([float(v) for v in values.split()])
            except ValueError:
                continue
    p2 = mats.get("P2") if "P2" in mats else mats.get("P_rect_02")
    p3 = mats.get("P3") if "P3" in mats else mats.get("P_rect_03")
    if p2 is None or p2.size != 12:
        raise DatasetError(path, "no P2 (or P_rect_02) projection matrix with 12 values")
    p2 = p2.reshape(3, 4)
    baseline = 0.54
    if p3 is not None and p3.size == 12:
        p3 = p3.reshape(3, 4)
        baseline = float(-p3[0, 3] / p3[0, 0] + p2[0, 3] / p2[0, 0])
    return {"fx": float(p2[0, 0]), "fy": float(p2[1, 1]), "cx": float(p2[0, 2]), "cy": float(p2[1, 2]), "baseline": baseline}
