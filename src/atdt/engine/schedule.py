"""Learning-rate schedules over a fixed number of steps (factor of the base lr at each step)."""

from __future__ import annotations

import math
from collections.abc import Callable


def lr_factor(schedule: str, steps: int, power: float = 0.9) -> Callable[[int], float]:
    steps = max(steps, 1)
    if schedule == "poly":  # the authors' decay
        return lambda s: (1.0 - min(s, steps) / steps) ** power
    if schedule == "linear":  # the paper's text
        return lambda s: 1.0 - min(s, steps) / steps
    if schedule == "constant":
        return lambda s: 1.0
    if schedule == "onecycle":  # warm up over the first 30 %, cosine down to ~0: quick CPU schedules
        warm = max(1, int(0.3 * steps))

        def onecycle(s: int) -> float:
            if s < warm:
                return 0.04 + 0.96 * s / warm
            return 0.5 * (1.0 + math.cos(math.pi * min(s - warm, steps - warm) / max(steps - warm, 1)))

        return onecycle
    raise ValueError(f"unknown lr schedule {schedule!r}; choose one of: poly, linear, onecycle, constant")
