"""Training outcomes that no floating-point path can flip.

A few steps on random crops decide by rounding which of two runs ends lower. Here a network
fits ONE fixed batch (no crops, flips or photometric changes; constant learning rate), long
enough that its loss falls several-fold, and the tests ask for a fall to half: on the tiny
world a task network's loss ends at 0.12-0.27 of its start after 60 steps (measured on AVX2
and AVX-512 CPUs, 1 and 2 threads), far from the bound on every machine.
"""

from __future__ import annotations

from pathlib import Path

from atdt.config import OptimConfig, TrainConfig
from atdt.data import load_dataset

FIXED_STEPS = 60


def fixed_batch_train(steps: int = FIXED_STEPS, lr: float = 3e-3, **kw) -> TrainConfig:
    """Batch 4, no augmentation, constant lr: with ``fixed_batch_data`` every step sees the same four images."""
    return TrainConfig(steps=steps, batch_size=4, crop=None, flip=False, photometric=False, log_every=1,
                       ckpt_every=10_000, optim=OptimConfig(lr=lr, schedule="constant"), **kw)


def fixed_batch_data(world: Path, domains=("clean",)) -> list:
    """The first 4 // len(domains) training images of each domain: one batch of 4 in all."""
    return [load_dataset("world", world / d, "train", limit=4 // len(domains)) for d in domains]


def logged(run_dir: Path, column: str = "loss") -> list[float]:
    """A column of ``run_dir/logs/train.csv``, one value per logged step."""
    rows = (Path(run_dir) / "logs" / "train.csv").read_text().splitlines()
    index = rows[0].split(",").index(column)
    return [float(r.split(",")[index]) for r in rows[1:]]


def fell(values: list[float], to: float = 0.5, window: int = 5) -> bool:
    """The mean of the last ``window`` values is below ``to`` times the mean of the first three."""
    return sum(values[-window:]) / window < to * sum(values[:3]) / 3
