"""A sample's camera as the loaders hand it on: ``fx, fy, cx, cy`` (pixels) and ``baseline``
(metres, 0 if mono), checked where it is read. A NaN, infinite or negative value would otherwise
pass silently into proxy depth (z = fx B / d) and the focal ratio that rescales depth across
cameras, and come out as NaN scores or a loss that diverges."""

from __future__ import annotations

import math

from atdt.data.errors import DatasetError

KEYS = ("fx", "fy", "cx", "cy", "baseline")


def camera_values(meta, path, *, focal: bool = True) -> dict[str, float]:
    """The five values of ``meta`` as floats; DatasetError naming ``path`` when one is missing, not
    a number, not finite or negative, or (``focal``: the file states the focal length) fx or fy is 0."""
    if not isinstance(meta, dict):
        raise DatasetError(path, f"camera must be a JSON object with {', '.join(KEYS)}, got {type(meta).__name__}")
    missing = [k for k in KEYS if k not in meta]
    if missing:
        raise DatasetError(path, f"camera has no {', '.join(missing)}")
    values = {}
    for key in KEYS:
        value = meta[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise DatasetError(path, f"camera {key} is {value!r}, not a number")
        value = float(value)
        positive = focal and key in ("fx", "fy")
        if not math.isfinite(value) or value < 0 or (positive and value == 0):
            raise DatasetError(path, f"camera {key} = {value}: must be a finite number {'> 0' if positive else '>= 0'}")
        values[key] = value
    return values
