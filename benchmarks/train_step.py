"""Our training step (atdt.engine.fit on Lightning Fabric, with its sampler, DataLoader and
logging) against a bare PyTorch loop on the same model, batch and data, in one run; the step's
FLOPs (counted by torch.utils.flop_counter, forward + backward) and the share of this machine's
matmul peak in the same precision (measured in the same run) that each loop reaches.

    .venv/bin/python benchmarks/train_step.py [--steps 40] [--batch 16] [--size 64x128]
        [--encoder resnet18] [--output-stride 32] [--accelerator cpu] [--precision auto] [--channels-last]
        [--profile]

``--precision auto`` (the default) is what ``runtime.precision=auto`` resolves to on this machine:
bf16-mixed on a CPU with native bf16 (AVX512_BF16 or AMX) or a bf16 GPU, 32-true elsewhere.
``--profile`` adds torch.profiler's breakdown of one step of the bare loop by operator kind, on
the CPU (refused with ``--accelerator cuda``).

On a GPU, the paper's network: --accelerator cuda --precision bf16-mixed --encoder resnet50
--output-stride 8 --size 512x512 --batch 8 (the data sit in memory: compute alone, no decoding).
"""

import argparse
import tempfile
import time

import torch

from atdt.config import NetworkConfig, OptimConfig, RuntimeConfig
from atdt.data.mixed import MixedSampler, TrainingSet
from atdt.engine import fit, make_fabric
from atdt.engine.machine import describe_cpu, resolve_precision
from atdt.engine.train_task import task_loss
from atdt.networks import build_task_network
from atdt.tasks import get_task


class InMemory(torch.utils.data.Dataset):
    """Random images and labels held in memory, so both loops time compute, not image decoding."""

    labels = frozenset({"semantic"})
    domain = "memory"

    def __init__(self, n, h, w):
        g = torch.Generator().manual_seed(0)
        self.images = torch.rand(n, 3, h, w, generator=g)
        self.labels_ = torch.randint(0, 11, (n, h, w), generator=g)

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        return {"image": self.images[i], "semantic": self.labels_[i]}


def bare(model, data, steps, batch, args):
    device = torch.device("cuda" if args.accelerator == "cuda" else "cpu")
    fmt = torch.channels_last if args.channels_last else torch.contiguous_format
    model.to(device, memory_format=fmt)
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    model.train()
    t0 = time.perf_counter()
    for s in range(steps):
        idx = torch.arange(s * batch, (s + 1) * batch) % len(data)
        x, y = data.images[idx].to(device).contiguous(memory_format=fmt), data.labels_[idx].to(device)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=args.precision == "bf16-mixed"):
            loss = torch.nn.functional.cross_entropy(model(x), y, ignore_index=255)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return steps / (time.perf_counter() - t0)


def step_flops(model, data, batch) -> float:
    """FLOPs of one training step (forward and backward) of the bare loop, as counted by torch."""
    from torch.utils.flop_counter import FlopCounterMode

    x, y = data.images[:batch], data.labels_[:batch]
    with FlopCounterMode(display=False) as counter:  # counted from shapes: the same in any precision
        loss = torch.nn.functional.cross_entropy(model(x), y, ignore_index=255)
        loss.backward()
    model.zero_grad(set_to_none=True)
    return float(counter.get_total_flops())


def matmul_peak(args, n: int = 2048, seconds: float = 2.0) -> float:
    """FLOP/s of square n x n matmuls in the step's precision (bf16 operands for bf16-mixed),
    best of three timed runs: the reference for the share of peak."""
    device = torch.device("cuda" if args.accelerator == "cuda" else "cpu")
    dtype = torch.bfloat16 if args.precision == "bf16-mixed" else torch.float32
    a, b = (torch.rand(n, n, device=device, dtype=dtype) for _ in range(2))
    best = 0.0
    for _ in range(3):
        count, t0 = 0, time.perf_counter()
        while count < 2 or time.perf_counter() - t0 < seconds / 3:
            a @ b
            count += 1
        if device.type == "cuda":
            torch.cuda.synchronize()
        best = max(best, 2 * n**3 * count / (time.perf_counter() - t0))
    return best


def profile(model, data, batch, args) -> None:
    """One bare training step on the CPU under torch.profiler: self CPU time by operator, top 15."""
    from torch.profiler import ProfilerActivity, profile as torch_profile

    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    x, y = data.images[:batch], data.labels_[:batch]
    for _ in range(2):  # warm-up, then the profiled step
        with torch_profile(activities=[ProfilerActivity.CPU]) as prof:
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.precision == "bf16-mixed"):
                loss = torch.nn.functional.cross_entropy(model(x), y, ignore_index=255)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=15))


def ours(model, data, steps, batch, args):
    fabric = make_fabric(RuntimeConfig(accelerator=args.accelerator, precision=args.precision, progress=False))
    train_set = TrainingSet([data], ("semantic",))
    with tempfile.TemporaryDirectory() as run:
        t0 = time.perf_counter()
        fit(fabric, model, task_loss(get_task("semantic")), train_set, steps=steps, batch_size=batch,
            optim=OptimConfig(lr=1e-4, schedule="poly"), run_dir=run, sampler=MixedSampler([len(data)], batch),
            log_every=10, ckpt_every=10**9, progress=False, channels_last=args.channels_last)
        return steps / (time.perf_counter() - t0)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--size", default="64x128")
    parser.add_argument("--encoder", default="resnet18")
    parser.add_argument("--output-stride", type=int, default=32)
    parser.add_argument("--accelerator", default="cpu", help="cpu | cuda")
    parser.add_argument("--precision", default="auto", help="auto | 32-true | bf16-mixed")
    parser.add_argument("--channels-last", action="store_true", help="NHWC memory format for model and images")
    parser.add_argument("--profile", action="store_true", help="torch.profiler's table of one bare step")
    args = parser.parse_args()
    if args.profile and args.accelerator != "cpu":
        parser.error("--profile breaks down a step on the CPU only: use it with --accelerator cpu")
    asked = args.precision
    args.precision = resolve_precision(args.precision, args.accelerator)
    h, w = (int(v) for v in args.size.split("x"))
    data = InMemory(args.batch * 8, h, w)
    torch.manual_seed(0)
    flops = step_flops(build_task_network(NetworkConfig(encoder=args.encoder, output_stride=args.output_stride), 11),
                       data, args.batch)
    peak = matmul_peak(args)
    results = {"bare": [], "ours": []}
    for _ in range(3):  # interleaved, best of three, so both see the same machine state
        for name, fn in (("bare", bare), ("ours", ours)):
            torch.manual_seed(0)
            model = build_task_network(NetworkConfig(encoder=args.encoder, output_stride=args.output_stride), 11)
            fn(model, data, 3, args.batch, args)  # warm-up
            results[name].append(fn(model, data, args.steps, args.batch, args))
    b, o = max(results["bare"]), max(results["ours"])
    where = torch.cuda.get_device_name(0) if args.accelerator == "cuda" else describe_cpu()
    print(f"{where}; precision {asked} -> {args.precision}")
    print(f"step: {flops / 1e9:.2f} GFLOP (forward + backward, torch.utils.flop_counter); "
          f"matmul peak in {args.precision}: {peak / 1e9:.3g} GFLOP/s")
    for name, rate in (("bare PyTorch loop", b), ("atdt fit (Fabric)", o)):
        print(f"{name}: {rate:.2f} steps/s = {rate * flops / 1e9:.3g} GFLOP/s = {100 * rate * flops / peak:.0f}% of peak")
    if max(b, o) * flops > peak:  # bf16 on a CPU without bf16 units: its matmul reference is emulated
        print(f"the step beats the matmul 'peak': {args.precision} matmuls are emulated on this machine, so the share "
              "of peak means nothing here (runtime.precision=auto picks 32-true on it)")
    print(f"ratio ours / bare: {o / b:.3f}  (batch {args.batch}, {h}x{w}, {args.encoder} at output stride "
          f"{args.output_stride}, {args.precision}{', channels_last' if args.channels_last else ''})")
    if args.profile:
        torch.manual_seed(0)
        profile(build_task_network(NetworkConfig(encoder=args.encoder, output_stride=args.output_stride), 11),
                data, args.batch, args)
    if args.accelerator == "cuda":
        print(f"peak GPU memory: {torch.cuda.max_memory_allocated() / 2**30:.2f} GiB")


if __name__ == "__main__":
    main()
