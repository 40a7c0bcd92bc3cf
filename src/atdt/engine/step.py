"""What one optimisation step does, for the one training loop (``atdt.engine.loop.train_steps``).

A step owns its optimisers, schedules and any state of its own; the loop owns everything around
it (resume, logs, the NaN guard, previews, checkpoints, DDP checks, the final save), as in
Lightning's manual optimisation. ``LossStep`` (one loss, one Adam, one schedule) trains every task
network, G and the studies' variants; CycleGAN's two optimisers are ``atdt.translation.train.CycleGANStep``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import torch

from atdt.config import OptimConfig
from atdt.engine.schedule import lr_factor


class TrainingStep(Protocol):
    loss_name: str  # the logged loss's column in train.csv and TensorBoard
    advice: str  # what the message of a run stopped by a NaN loss suggests

    def configure(self, model: torch.nn.Module) -> tuple[dict, dict]:
        """({name: optimiser}, {name: schedule}) for ``model``, already on its device (a resumed
        optimiser state then lands there); checkpoints keep each state under its name."""

    def __call__(self, fabric, model, optimizers: dict, batch: dict, index: int) -> tuple[torch.Tensor, dict]:
        """Step ``index`` (0-based) on ``batch``: the losses, ``fabric.backward`` and each optimiser's
        step (the loop steps the schedules after it). ``model`` and ``optimizers`` are Fabric's
        wrappers. Returns (the loss to log, {column: value} of further terms to log)."""

    def state_dict(self) -> dict:
        """State of the step's own that a checkpoint keeps besides weights, optimisers and schedules
        (top-level keys of ``last.ckpt``)."""

    def load_state_dict(self, state: dict, device) -> None:
        """Restore what ``state_dict`` returned, from a loaded ``last.ckpt``."""


@dataclass(frozen=True)
class LossStep:
    """``loss_fn(model, batch) -> (loss, logs)`` minimised by Adam (beta2 0.999) over ``parameters``
    (default: every trainable parameter) with ``optim``'s schedule over ``steps`` steps."""

    loss_fn: Callable
    optim: OptimConfig
    steps: int
    parameters: object = None
    loss_name: str = "loss"
    advice: str = "Lower the learning rate or check the labels."

    def configure(self, model: torch.nn.Module) -> tuple[dict, dict]:
        o = self.optim
        given = self.parameters if self.parameters is not None else model.parameters()
        params = [p for p in given if p.requires_grad]
        optimizer = torch.optim.Adam(params, lr=o.lr, betas=(o.beta1, 0.999), weight_decay=o.weight_decay)
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_factor(o.schedule, self.steps, o.power))
        return {"optimizer": optimizer}, {"scheduler": scheduler}

    def __call__(self, fabric, model, optimizers: dict, batch: dict, index: int) -> tuple[torch.Tensor, dict]:
        loss, logs = self.loss_fn(model, batch)
        optimizer = optimizers["optimizer"]
        optimizer.zero_grad(set_to_none=True)
        fabric.backward(loss)
        optimizer.step()
        return loss, logs

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict, device) -> None:
        pass
