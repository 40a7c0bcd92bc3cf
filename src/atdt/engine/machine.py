"""The machine atdt trains on: its CPU, whether that CPU computes bf16 natively, and how fast it
trains a given network (the demo says what it expects before it starts; times differ up to 4x
between the CPUs we meet). What precision "auto" becomes is ``atdt.engine.fabric.resolve_precision``
(make_fabric resolves it too); ``resolve_runtime`` resolves a config's once and says so."""

from __future__ import annotations

import platform
import time
from dataclasses import replace
from pathlib import Path

import torch

from atdt.config import NetworkConfig
from atdt.engine.fabric import is_global_zero, native_bf16_cpu, resolve_precision
from atdt.networks import build_task_network


def cpu_name() -> str:
    """The CPU's model name as the kernel reports it (what `lscpu` prints)."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine() or "unknown CPU"


def describe_cpu() -> str:
    """e.g. 'AMD EPYC (kernels: AVX2, native bf16: no, 2 threads)'."""
    return (f"{cpu_name()} (kernels: {torch.backends.cpu.get_cpu_capability()}, "
            f"native bf16: {'yes' if native_bf16_cpu() else 'no'}, {torch.get_num_threads()} threads)")


def measure_step_rate(network: NetworkConfig, out_channels: int, *, batch_size: int, size: tuple[int, int],
                      seconds: float = 4.0, warmup: int = 2) -> float:
    """Training steps per second of N = D(E(x)) at ``batch_size`` x ``size`` on random data
    (forward, cross entropy, backward, Adam step), on the CPU, timed for about ``seconds``; the
    network is built without its pretrained weights (the same step, nothing downloaded)."""
    generator = torch.Generator().manual_seed(0)
    model = build_task_network(replace(network, pretrained=None), out_channels).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    images = torch.rand(batch_size, 3, *size, generator=generator)
    labels = torch.randint(0, out_channels, (batch_size, *size), generator=generator)

    def step():
        loss = torch.nn.functional.cross_entropy(model(images), labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    for _ in range(warmup):
        step()
    count, start = 0, time.perf_counter()
    while count < 3 or time.perf_counter() - start < seconds:
        step()
        count += 1
    return count / (time.perf_counter() - start)


def resolve_runtime(cfg, print_fn=print):
    """``cfg`` (any config with a ``runtime`` block) with ``runtime.precision: auto`` resolved for
    this machine (``resolve_precision``), said once through ``print_fn``: the resolved value is what
    Fabric gets, what every run folder's config.yaml records and what the fingerprints hash, so a
    network trained in bf16 is never taken for one trained in fp32."""
    r = cfg.runtime
    if r.precision != "auto":
        return cfg
    precision = resolve_precision(r.precision, r.accelerator)
    if is_global_zero():
        gpu = torch.cuda.is_available() and r.accelerator in ("auto", "cuda", "gpu")
        print_fn(f"precision auto -> {precision} ({torch.cuda.get_device_name(0) if gpu else describe_cpu()})")
    return replace(cfg, runtime=replace(r, precision=precision))
