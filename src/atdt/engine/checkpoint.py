"""Checkpoints written atomically (a kill never leaves a half file) and read back on CPU.

Every file is loaded with ``weights_only=True``: a checkpoint holds tensors and plain data
(dicts, lists, numbers, strings), never pickled code, so opening someone else's file cannot run
anything. A file that is not a checkpoint raises CheckpointError naming it and the problem.
"""

from __future__ import annotations

import io
import pickle
import zipfile
from collections.abc import Callable
from contextlib import contextmanager
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


def network_to_build(network, run_dir):
    """The NetworkConfig to build a network of ``run_dir`` from: without its pretrained weights when
    the folder holds a checkpoint (finished, or to resume), which has every weight, so a reused or
    resumed network reads and downloads nothing."""
    from dataclasses import replace

    if network.pretrained is not None and (is_finished(run_dir) or final_checkpoint(run_dir).with_name("last.ckpt").is_file()):
        return replace(network, pretrained=None)
    return network


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


@contextmanager
def rebuilding(path, what: str):
    """Turns a failure to rebuild a network from a checkpoint's config and weights (a missing key,
    a setting this atdt does not know, a weight of the wrong shape) into a CheckpointError naming
    the file and ``what`` it should have held (a ConfigError is a ValueError)."""
    try:
        yield
    except CheckpointError:
        raise
    except (KeyError, TypeError, ValueError, RuntimeError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise CheckpointError(path, f"not {what} that rebuilds from its config ({first})") from None


def stored_network(settings: dict):
    """The NetworkConfig a checkpoint stores, without its pretrained file: the weights come from
    the checkpoint."""
    from dataclasses import replace

    from atdt.config import NetworkConfig
    from atdt.typed_config import from_dict

    return replace(from_dict(NetworkConfig, settings), pretrained=None)


def load_finished(run_dir, what: str, build: Callable[[dict], torch.nn.Module]) -> tuple[torch.nn.Module, dict]:
    """The finished network of a run folder, on CPU in eval mode, with the config stored in its
    final checkpoint: ``build(config)`` makes the module, the checkpoint's weights fill it."""
    path = final_checkpoint(run_dir)
    if not is_finished(run_dir):
        raise FileNotFoundError(f"{run_dir} holds no finished network (no {path})")
    payload = load_checkpoint(path)
    config = payload.get("config") or {}
    with rebuilding(path, what):
        model = build(config)
        model.load_state_dict(payload["model"])
    return model.eval(), config
