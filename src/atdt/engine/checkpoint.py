"""Checkpoints written atomically (a kill never leaves a half file) and read back on CPU."""

from __future__ import annotations

import io
from pathlib import Path

import torch

from atdt.data.io import write_bytes


def save_checkpoint(path: str | Path, payload: dict) -> None:
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    write_bytes(path, buffer.getvalue())


def load_checkpoint(path: str | Path, map_location="cpu") -> dict:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    return torch.load(path, map_location=map_location, weights_only=False)
