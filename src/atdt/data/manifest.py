"""A cheap fingerprint of the files a dataset reads: relative path, size and modification time of
every file of every sample (no pixel is read). Overwriting, adding or removing a training image
changes it; reading the same data through another spelling of its root does not."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def dataset_files(dataset) -> list[Path]:
    """Every file the samples of ``dataset`` read, in sample order (formats offer ``files(i)``)."""
    if not hasattr(dataset, "files"):
        raise TypeError(f"{type(dataset).__name__} ({getattr(dataset, 'domain', '?')}) cannot list its files")
    return [Path(p) for i in range(len(dataset)) for p in dataset.files(i)]


def data_manifest(dataset, root=None) -> str:
    """sha256 (16 hex digits) over (path relative to ``root``, size, mtime in ns) of every file;
    a missing file counts as such. Paths outside ``root`` (e.g. proxy labels) are taken resolved."""
    base = Path(root).resolve() if root is not None else None
    digest = hashlib.sha256()
    count = 0
    for path in dataset_files(dataset):
        full = path.resolve()
        name = str(full.relative_to(base)) if base is not None and full.is_relative_to(base) else str(full)
        try:
            st = os.stat(full)
            entry = f"{name}\0{st.st_size}\0{st.st_mtime_ns}\n"
        except FileNotFoundError:
            entry = f"{name}\0missing\n"
        digest.update(entry.encode())
        count += 1
    digest.update(f"{count} files".encode())
    return digest.hexdigest()[:16]
