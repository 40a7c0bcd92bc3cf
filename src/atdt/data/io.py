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


def read_ids(path: str | Path, what: str = "semantic label") -> np.ndarray:
    """A single-channel 8- or 16-bit label image (class or source ids), HxW."""
    array = read_image(path)
    if array.ndim != 2:
        raise DatasetError(path, f"{what} PNG must be single-channel ids, got {array.shape[2]} channels (saved as RGB?)")
    if array.dtype not in (np.uint8, np.uint16):
        raise DatasetError(path, f"{what} PNG must be 8- or 16-bit, got {array.dtype}")
    return array


def read_png16(path: str | Path, what: str = "depth", channels: int = 1) -> np.ndarray:
    """A 16-bit PNG with ``channels`` channels (HxW for 1, HxWx3 for 3), else DatasetError: an
    8-bit depth PNG decodes to at most 0.98 m and would train silently on nonsense."""
    array = read_image(path)
    have = 1 if array.ndim == 2 else array.shape[2]
    if have != channels or array.dtype != np.uint16:
        bits = 8 * array.dtype.itemsize
        raise DatasetError(path, f"{what} PNG must be {channels}-channel 16-bit, got {have}-channel {bits}-bit")
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


def current_umask() -> int:
    """The process umask, read without changing it (os.umask would race with writer threads)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # no /proc: read it the classic way
    os.umask(mask)
    return mask


def write_bytes(path: str | Path, data: bytes) -> None:
    """Atomic file write (temporary file in the same folder + os.replace), with the mode an
    ordinary open() would give (mkstemp makes 0600 files, which lab-mates could not read)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~current_umask())
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
