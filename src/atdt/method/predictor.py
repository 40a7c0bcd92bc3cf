"""Step 4 of AT/DT as one module: D2(G(E1(x))) (paper Eq. 4), exportable to a single file."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from atdt.tasks import Task, get_task


class ATDTPredictor(nn.Module):
    """x (B, 3, H, W) -> raw T2 output (B, C2, H, W) through E1, G and D2."""

    def __init__(self, e1: nn.Module, g: nn.Module, d2: nn.Module, *, depth_scale: float = 1.0):
        super().__init__()
        self.e1, self.g, self.d2 = e1, g, d2
        self.depth_scale = depth_scale  # f_B / f_A, applied to depth predictions by the callers

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.e1(x)[-1]  # (B, C1, h, w)
        return self.d2([self.g(features)], x.shape[-2:])


def export_predictor(predictor: ATDTPredictor, task: str, path, meta: dict | None = None) -> Path:
    """One file: the whole module (pickled) plus the task name and metadata."""
    from atdt.engine.checkpoint import save_checkpoint

    path = Path(path)
    save_checkpoint(path, {"kind": "atdt-predictor", "task": task, "module": predictor.cpu(), "meta": meta or {}})
    return path


def load_predictor(path, device=None) -> tuple[nn.Module, Task]:
    """A run folder of `atdt train-task` or an exported AT/DT predictor -> (module in eval mode, task)."""
    from atdt.engine.checkpoint import load_checkpoint
    from atdt.engine.train_task import load_task_network

    path = Path(path)
    if path.is_dir():
        model, task, _ = load_task_network(path)
    else:
        payload = load_checkpoint(path)
        if not isinstance(payload, dict) or payload.get("kind") != "atdt-predictor":
            raise ValueError(f"{path} is neither a run folder nor an AT/DT predictor file")
        model, task = payload["module"], get_task(payload["task"])
    return model.eval().to(device or "cpu"), task
