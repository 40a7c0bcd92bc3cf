"""Lightning Fabric from a RuntimeConfig: devices, DDP, precision; seeding; which process speaks.

Under DDP (``runtime.devices`` x ``runtime.num_nodes`` > 1) every process runs the same command:
Fabric starts the others by running it again (one machine) or a launcher such as torchrun or
SLURM starts them all. Every process trains; rank 0 alone prints, writes and evaluates, the others waiting for its
result (``rank_zero_result``), so that an error there stops every process."""

from __future__ import annotations

import os

import torch
import torch.distributed as dist

from atdt.config import RuntimeConfig


def make_fabric(runtime: RuntimeConfig):
    """Fabric for ``runtime``, launched (under DDP the other processes start here) and seeded;
    ``precision: auto`` becomes what this machine computes natively (``resolve_precision``)."""
    from lightning_fabric import Fabric

    strategy = runtime.strategy
    if strategy == "auto" and runtime.world_size > 1:
        strategy = "ddp"  # launches one process per device (gloo on CPU, NCCL on GPUs)
    fabric = Fabric(accelerator=runtime.accelerator, devices=runtime.devices, num_nodes=runtime.num_nodes,
                    strategy=strategy, precision=resolve_precision(runtime.precision, runtime.accelerator))
    fabric.launch()
    fabric.seed_everything(runtime.seed, verbose=False)
    return fabric


def on_cpu(accelerator: str) -> bool:
    """Whether ``accelerator`` runs on the CPU: "cpu", or "auto" where torch finds no CUDA GPU."""
    return accelerator == "cpu" or (accelerator == "auto" and not torch.cuda.is_available())


def native_bf16_cpu() -> bool:
    """True where torch finds bf16 units on this CPU (AVX512_BF16 or AMX tiles)."""
    return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())


def resolve_precision(precision: str, accelerator: str = "auto") -> str:
    """``precision`` as Lightning Fabric takes it: "auto" becomes "bf16-mixed" where the hardware
    computes bf16 natively (a CUDA GPU that supports it; a CPU with AVX512_BF16 or AMX, as torch
    reports them) and "32-true" elsewhere (on an AVX2-only CPU bf16 is emulated, 8-13x slower);
    any other value is returned as given."""
    if precision != "auto":
        return precision
    if accelerator in ("cuda", "gpu") or (accelerator == "auto" and torch.cuda.is_available()):
        return "bf16-mixed" if torch.cuda.is_available() and torch.cuda.is_bf16_supported() else "32-true"
    if on_cpu(accelerator):
        return "bf16-mixed" if native_bf16_cpu() else "32-true"
    return "32-true"  # mps and others: full precision


class RankZeroFailed(RuntimeError):
    """What every process but rank 0 raises when rank 0's share of the work failed."""


def rank_zero_result(fabric, fn):
    """``fn()`` run on rank 0 alone (scoring, writing files), its result returned on every process.
    If it raises, rank 0 raises that error and every other process RankZeroFailed naming it, at
    once: without this they would wait at the next collective until its timeout (30 minutes). On
    one process the broadcast hands the result back as it is."""
    if not fabric.is_global_zero:
        ok, value = fabric.broadcast(None)
        if not ok:
            raise RankZeroFailed(f"rank 0 stopped: {value}")
        return value
    try:
        result = fn()
    except Exception as err:
        _tell_failure(fabric, err)
        raise
    return fabric.broadcast((True, result))[1]


def _tell_failure(fabric, err: Exception) -> None:
    try:
        fabric.broadcast((False, f"{type(err).__name__}: {err}"))
    except Exception:  # a broken process group: rank 0's own error is the one to report
        pass


def rank_zero(fabric, print_fn=print):
    """``print_fn`` on rank 0, a no-op on the other processes: everything is printed once."""
    return print_fn if fabric.is_global_zero else _silent


def _silent(*args, **kwargs) -> None:
    pass


def launched_worker() -> bool:
    """Whether a distributed launch started this process as one other than rank 0, before or
    after its process group exists: RANK, LOCAL_RANK or NODE_RANK set and not 0 (torchrun, or
    Fabric starting the other processes), or a task of ``srun`` other than the first (SLURM sets
    only its own variables, which Lightning's SLURMEnvironment reads once Fabric starts)."""
    if any(os.environ.get(key, "0") not in ("", "0") for key in ("RANK", "LOCAL_RANK", "NODE_RANK")):
        return True
    return _slurm_tasks() > 1 and os.environ.get("SLURM_PROCID", "0") not in ("", "0")


def _slurm_tasks() -> int:
    """The tasks ``srun`` started (SLURM_NTASKS), as Lightning's SLURMEnvironment counts them: 0
    outside SLURM and in the interactive jobs it leaves alone (job name bash or interactive)."""
    if os.environ.get("SLURM_JOB_NAME") in ("bash", "interactive"):
        return 0
    try:
        return int(os.environ.get("SLURM_NTASKS", "0"))
    except ValueError:
        return 0


def is_global_zero() -> bool:
    """Whether this process prints and writes: the only one, or rank 0 of the process group that
    ``make_fabric`` launched (for the command line, which prints what every process returns)."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank() == 0
    return not launched_worker()
