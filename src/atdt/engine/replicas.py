"""One network, however many processes: what keeps the DDP replicas equal, and the check.

DDP keeps the parameters equal (every process applies the same all-reduced gradients) but not
the buffers: it broadcasts rank 0's buffers before each forward, so after the last step every
process's batch-norm running statistics are rank 0's moved by its own last batch.
``sync_buffers`` ends a training with every process holding rank 0's buffers, the ones rank 0
saves. ``state_digest`` hashes a network's tensors and ``check_replicas`` compares the digests
of every process, raising ``ReplicaMismatch`` where they differ.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Mapping

import torch

from atdt.engine.checkpoint import hash_tensor


class ReplicaMismatch(RuntimeError):
    pass


def state_digest(tensors: Mapping[str, torch.Tensor]) -> str:
    """sha256 of named tensors (a state_dict, or named_parameters): names, dtypes, shapes and
    bytes, in order; equal digests = bit-identical tensors."""
    h = hashlib.sha256()
    for name, t in tensors.items():
        hash_tensor(h, t, f"{name}:{t.dtype}:{tuple(t.shape)};")
    return h.hexdigest()


def check_replicas(fabric, tensors: Mapping[str, Mapping[str, torch.Tensor]],
                   what: str = "weights and buffers") -> dict:
    """Digests of each named set of tensors (e.g. {"n1": n1.state_dict()}), gathered from every
    process and compared; raises ReplicaMismatch naming the sets that differ. Returns the digests."""
    digests = {name: state_digest(t) for name, t in tensors.items()}
    if fabric.world_size == 1:
        return digests
    local = torch.tensor([list(bytes.fromhex(d)) for d in digests.values()], dtype=torch.uint8, device=fabric.device)
    with warnings.catch_warnings():  # Fabric's all_gather goes through a function torch deprecates
        warnings.filterwarnings("ignore", message=".*all_gather is deprecated")
        gathered = fabric.all_gather(local).cpu()  # (world, sets, 32)
    differ = [name for i, name in enumerate(digests) if not bool((gathered[:, i] == gathered[0, i]).all())]
    if differ:
        ranks = {name: sorted({bytes(gathered[r, i].tolist()).hex()[:12] for r in range(len(gathered))})
                 for i, name in enumerate(digests) if name in differ}
        raise ReplicaMismatch(f"the {fabric.world_size} processes hold different {what} for "
                              + "; ".join(f"{name} (digests {', '.join(d)})" for name, d in ranks.items())
                              + ": DDP must keep them identical; the results would depend on the rank")
    return digests


def sync_buffers(fabric, module: torch.nn.Module) -> None:
    """Every process takes rank 0's buffers (batch-norm running statistics and counts)."""
    if fabric.world_size == 1:
        return
    for buffer in module.buffers():
        torch.distributed.broadcast(buffer.data, src=0)
