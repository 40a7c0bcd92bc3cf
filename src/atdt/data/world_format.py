"""The embedded world's folder format (docs/world.md) as ``world.json`` states it: its name and
version, the labels a split carries, whether it has right views. ``atdt world make``
(atdt.world.writer) and ``atdt translate`` (B like A, atdt.translation.write) write it,
atdt.data.world reads it. Free of torch: the world writer forks its renderers."""

from __future__ import annotations

import json
from pathlib import Path

from atdt.data.errors import DatasetError

FORMAT = "atdt-world"  # world.json's "format"
VERSION = 1
LABELS = frozenset({"semantic", "depth", "normals"})


def read_info(path: Path, format_name: str) -> dict:
    """world.json, checked: a JSON object of this format naming its domain; ``labels`` (a translated
    dataset's labels per split) a mapping of split -> label keys; ``stereo`` true or false."""
    try:
        info = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise DatasetError(path, f"invalid JSON ({err})") from None
    if not isinstance(info, dict):
        raise DatasetError(path, f"must be a JSON object (format, domain, ...), got {type(info).__name__}")
    if info.get("format") != format_name:
        raise DatasetError(path, f"format {info.get('format')!r} is not {format_name!r}")
    if not isinstance(info.get("domain"), str) or not info["domain"]:
        raise DatasetError(path, f"domain must be a name, got {info.get('domain')!r}")
    labels = info.get("labels", {})
    if not isinstance(labels, dict) or not all(isinstance(v, list) and set(v) <= LABELS for v in labels.values()):
        raise DatasetError(path, f"labels must map each split to a list of {', '.join(sorted(LABELS))}, got {labels!r}")
    if not isinstance(info.get("stereo", True), bool):
        raise DatasetError(path, f"stereo must be true or false, got {info['stereo']!r}")
    return info
