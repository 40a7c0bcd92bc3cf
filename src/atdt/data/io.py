"""Image files: reading with clear errors, writing atomically (a killed writer leaves no half file)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

from atdt.data.errors import DatasetError


def _cv2():
    import cv2

    return cv2


def read_image(path: str | Path, *, flags: str = "unchanged") -> np.ndarray:
    """Read a PNG/JPEG as stored (16-bit stays 16-bit); colour images come back as RGB."""
    cv2 = _cv2()
    path = Path(path)
    if not path.is_file():
        raise DatasetError(path, "file is missing")
    mode = {"unchanged": cv2.IMREAD_UNCHANGED, "color": cv2.IMREAD_COLOR, "gray": cv2.IMREAD_GRAYSCALE}[flags]
    array = cv2.imread(str(path), mode)
    if array is None:
        raise DatasetError(path, "unreadable or corrupt image")
    if array.ndim == 3 and array.shape[2] >= 3:
        array = cv2.cvtColor(array[:, :, :3], cv2.COLOR_BGR2RGB)
    return array


def read_rgb(path: str | Path) -> np.ndarray:
    """uint8 HxWx3 RGB."""
    array = read_image(path, flags="color")
    return array


def write_image(path: str | Path, array: np.ndarray) -> None:
    """Write a PNG atomically: encode in memory, write a temporary file beside it, rename.

    uint8 or uint16 arrays; HxWx3 arrays are taken as RGB.
    """
    cv2 = _cv2()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if array.ndim == 3 and array.shape[2] == 3:
        array = cv2.cvtColor(np.ascontiguousarray(array), cv2.COLOR_RGB2BGR)
    ok, encoded = cv2.imencode(path.suffix or ".png", array)
    if not ok:
        raise ValueError(f"could not encode {path}")
    write_bytes(path, encoded.tobytes())


def write_bytes(path: str | Path, data: bytes) -> None:
    """Atomic file write (temporary file in the same folder + os.replace)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def encode_depth_png(depth_m: np.ndarray) -> np.ndarray:
    """Metres -> uint16 (metres x 256, 0 = no label); non-finite and <= 0 become 0."""
    depth = np.where(np.isfinite(depth_m) & (depth_m > 0), depth_m, 0.0)
    return np.clip(np.round(depth * 256.0), 0, 65535).astype(np.uint16)


def decode_depth_png(array: np.ndarray) -> np.ndarray:
    """uint16 (metres x 256, 0 = no label) -> float32 metres."""
    return array.astype(np.float32) / 256.0
