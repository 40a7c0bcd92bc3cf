"""Checkpoints written atomically (a kill never leaves a half file) and read back on CPU.

Every file is loaded with ``weights_only=True``: a checkpoint holds tensors and plain data
(dicts, lists, numbers, strings), never pickled code, so opening someone else's file cannot run
anything. A file that is not a checkpoint raises CheckpointError naming it and the problem.
Finished networks and exported predictors are sealed with a digest of their settings and
weights (``save_checkpoint(..., seal=True)``), so an edited file is refused, and networks are
rebuilt through ``build_checked``: settings checked against the weights' shapes on the meta
device before anything is allocated.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import zipfile
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import torch

from atdt.config import NetworkConfig
from atdt.data.io import write_bytes
from atdt.typed_config import from_dict


class CheckpointError(ValueError):
    """A file that cannot be read as an atdt checkpoint; the message names the file."""

    def __init__(self, path: str | Path, problem: str):
        self.path, self.problem = Path(path), problem
        super().__init__(f"{path}: {problem}")


def final_checkpoint(run_dir) -> Path:
    """Where a run folder keeps its finished network; ``last_checkpoint`` beside it while training."""
    return Path(run_dir) / "checkpoints" / "final.ckpt"


def last_checkpoint(run_dir) -> Path:
    """Where a run folder keeps the latest state of a training under way, to resume from."""
    return Path(run_dir) / "checkpoints" / "last.ckpt"


def is_finished(run_dir) -> bool:
    """The one test of whether the network of a run folder is trained (its final checkpoint exists)."""
    return final_checkpoint(run_dir).is_file()


def network_to_build(network, run_dir):
    """The NetworkConfig to build a network of ``run_dir`` from: without its pretrained weights when
    the folder holds a checkpoint (finished, or to resume), which has every weight, so a reused or
    resumed network reads and downloads nothing."""
    if network.pretrained is not None and (is_finished(run_dir) or last_checkpoint(run_dir).is_file()):
        return replace(network, pretrained=None)
    return network


def save_checkpoint(path: str | Path, payload: dict, *, seal: bool = False) -> None:
    """Written atomically. ``seal``: store ``digest`` (``payload_digest``) so that a setting or a
    weight edited afterwards is refused on loading (finished networks and exported predictors)."""
    if seal:
        payload = {**payload, "digest": payload_digest(payload)}
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    write_bytes(path, buffer.getvalue())


def hash_tensor(h, tensor: torch.Tensor, header: str) -> None:
    """Feed the hash ``h`` (hashlib) ``header``, then the bytes of ``tensor`` (on the CPU, in
    order): the one way atdt hashes a tensor, for sealed checkpoints and the DDP replica check."""
    h.update(header.encode())
    h.update(tensor.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy().data)


def payload_digest(payload: dict) -> str:
    """SHA-256 over everything a checkpoint holds but its ``digest``: plain values by type and
    repr, dict keys in a fixed order, tensors by dtype, shape and bytes."""
    h = hashlib.sha256()

    def feed(value) -> None:
        if isinstance(value, torch.Tensor):
            hash_tensor(h, value, f"T{value.dtype}{tuple(value.shape)}:")
        elif isinstance(value, dict):
            h.update(b"D%d:" % len(value))
            for key in sorted(value, key=repr):
                feed(key)
                feed(value[key])
        elif isinstance(value, (list, tuple)):
            h.update(b"L%d:" % len(value))
            for item in value:
                feed(item)
        else:
            text = f"{type(value).__name__}:{value!r}".encode()
            h.update(b"V%d:" % len(text) + text)

    feed({k: v for k, v in payload.items() if k != "digest"})
    return h.hexdigest()


def check_digest(payload: dict, path) -> None:
    """CheckpointError naming the file if it carries a digest its contents no longer match."""
    if "digest" in payload and payload["digest"] != payload_digest(payload):
        raise CheckpointError(path, "its settings or weights were changed after it was written (the digest it "
                                    "stores does not match them); it would predict wrongly, so it is not loaded. "
                                    "Use the file atdt wrote, or train/export it again")


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
    check_digest(payload, path)
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


def build_checked(path, what: str, build: Callable[[], torch.nn.Module], state) -> torch.nn.Module:
    """``build()`` filled with the weights ``state``, its settings checked against them first:
    the module is built on the meta device (no memory), its weights' names and shapes compared
    with ``state``'s, and only a match is made real. A file of a few bytes whose settings ask
    for a huge network is refused (CheckpointError) before anything large is allocated. A module
    with buffers its state dict leaves out (``persistent=False``) is then built for real, on the
    CPU, so that they hold what its constructor computes."""
    with rebuilding(path, what):
        with torch.device("meta"):  # tensors made here have shapes, no storage: build() imports nothing new
            model = build()
        if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
            raise CheckpointError(path, f"not {what}: its weights are not a mapping of names to tensors")
        expected = model.state_dict()
        missing, unexpected = sorted(set(expected) - set(state)), sorted(set(state) - set(expected))
        wrong = [f"{k} {tuple(state[k].shape)} (its settings make {tuple(v.shape)})"
                 for k, v in expected.items() if k in state and state[k].shape != v.shape]
        if missing or unexpected or wrong:
            problems = [f"{len(missing)} weight(s) missing ({', '.join(missing[:3])})" if missing else "",
                        f"{len(unexpected)} unexpected ({', '.join(unexpected[:3])})" if unexpected else "",
                        f"{len(wrong)} of another shape ({'; '.join(wrong[:3])})" if wrong else ""]
            raise CheckpointError(path, f"not {what}: its settings do not match its weights: "
                                        + ", ".join(p for p in problems if p))
        if any(name not in expected for name, _ in model.named_buffers()):
            # buffers outside the state dict (timm's attention and relative-position indices) hold
            # what build() computes and no checkpoint stores: to_empty would leave them garbage
            model = build()
        else:
            model = model.to_empty(device="cpu")
        model.load_state_dict(state)
    return model


def stored_network(settings: dict):
    """The NetworkConfig a checkpoint stores, without its pretrained file: the weights come from
    the checkpoint."""
    return replace(from_dict(NetworkConfig, settings), pretrained=None)


def load_finished(run_dir, what: str, build: Callable[[dict], torch.nn.Module]) -> tuple[torch.nn.Module, dict]:
    """The finished network of a run folder, on CPU in eval mode, with the config stored in its
    final checkpoint: ``build(config)`` makes the module, the checkpoint's weights fill it."""
    path = final_checkpoint(run_dir)
    if not is_finished(run_dir):
        raise FileNotFoundError(f"{run_dir} holds no finished network (no {path})")
    payload = load_checkpoint(path)
    config = payload.get("config") or {}
    model = build_checked(path, what, lambda: build(config), payload.get("model"))
    return model.eval(), config
