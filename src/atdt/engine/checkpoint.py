"""Checkpoints written atomically (a kill never leaves a half file) and read back on CPU.

Every file is loaded with ``weights_only=True``: a checkpoint holds tensors and plain data
(dicts, lists, numbers, strings), never pickled code, so opening someone else's file cannot run
anything. A file that is not a checkpoint raises CheckpointError naming it and the problem.
"""

from __future__ import annotations

import io
import pickle
import zipfile
from pathlib import Path

import torch

from atdt.data.io import write_bytes


class CheckpointError(ValueError):
    """A file that cannot be read as an atdt checkpoint; the message names the file."""

    def __init__(self, path: str | Path, problem: str):
        self.path, self.problem = Path(path), problem
        super().__init__(f"{path}: {problem}")


def final_checkpoint(run_dir) -> Path:
    """Where a run folder keeps its finished network; ``last.ckpt`` beside it while training."""
    return Path(run_dir) / "checkpoints" / "final.ckpt"


def is_finished(run_dir) -> bool:
    """The one test of whether the network of a run folder is trained (its final checkpoint exists)."""
    return final_checkpoint(run_dir).is_file()


def save_checkpoint(path: str | Path, payload: dict) -> None:
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    write_bytes(path, buffer.getvalue())


def load_checkpoint(path: str | Path, map_location="cpu") -> dict:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    size = path.stat().st_size
    if size == 0:
        raise CheckpointError(path, "empty file (0 bytes), not a checkpoint")
    if not zipfile.is_zipfile(path):
        raise CheckpointError(path, f"not a PyTorch checkpoint ({size} bytes without the archive a checkpoint is "
                                    "stored in: a different file, or one cut short while copying)")
    try:
        with zipfile.ZipFile(path) as archive:
            damaged = archive.testzip()  # reads every record once against its CRC-32
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        raise CheckpointError(path, f"corrupt or truncated checkpoint ({err})") from None
    if damaged is not None:
        raise CheckpointError(path, f"corrupt or truncated checkpoint (record {damaged} fails its checksum)")
    try:
        payload = torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise CheckpointError(path, "holds Python objects other than weights and plain data, which atdt does not "
                                    f"unpickle (a file from elsewhere or from an older atdt?): {first}") from None
    except (RuntimeError, EOFError, OSError, ValueError, KeyError, zipfile.BadZipFile) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise CheckpointError(path, f"corrupt or truncated checkpoint ({first})") from None
    if not isinstance(payload, dict):
        raise CheckpointError(path, f"holds a {type(payload).__name__}, not an atdt checkpoint (a dict)")
    return payload
