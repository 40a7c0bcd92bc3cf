"""Our training step (atdt.engine.fit on Lightning Fabric, with its sampler, DataLoader and
logging) against a bare PyTorch loop on the same model, batch and data, in one run.

    .venv/bin/python benchmarks/train_step.py [--steps 40] [--batch 16] [--size 64x128]
        [--encoder resnet18] [--output-stride 32] [--accelerator cpu] [--precision 32-true] [--channels-last]

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
    parser.add_argument("--precision", default="32-true", help="32-true | bf16-mixed")
    parser.add_argument("--channels-last", action="store_true", help="NHWC memory format for model and images")
    args = parser.parse_args()
    h, w = (int(v) for v in args.size.split("x"))
    data = InMemory(args.batch * 8, h, w)
    results = {"bare": [], "ours": []}
    for _ in range(3):  # interleaved, best of three, so both see the same machine state
        for name, fn in (("bare", bare), ("ours", ours)):
            torch.manual_seed(0)
            model = build_task_network(NetworkConfig(encoder=args.encoder, output_stride=args.output_stride), 11)
            fn(model, data, 3, args.batch, args)  # warm-up
            results[name].append(fn(model, data, args.steps, args.batch, args))
    b, o = max(results["bare"]), max(results["ours"])
    print(f"bare PyTorch loop: {b:.2f} steps/s")
    print(f"atdt fit (Fabric): {o:.2f} steps/s")
    where = torch.cuda.get_device_name(0) if args.accelerator == "cuda" else f"{torch.get_num_threads()} CPU threads"
    print(f"ratio ours / bare: {o / b:.3f}  (batch {args.batch}, {h}x{w}, {args.encoder} at output stride "
          f"{args.output_stride}, {args.precision}{', channels_last' if args.channels_last else ''}, {where})")
    if args.accelerator == "cuda":
        print(f"peak GPU memory: {torch.cuda.max_memory_allocated() / 2**30:.2f} GiB")


if __name__ == "__main__":
    main()
