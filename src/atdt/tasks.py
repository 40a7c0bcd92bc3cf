"""Dense tasks as plain data: what a network predicts, how it is trained, scored and drawn.

Networks know nothing of tasks but the output channel count; everything task-specific lives
here. Adding a task is one entry in ``TASKS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from atdt import metrics
from atdt.data.classes import CLASSES, IGNORE_INDEX, MAX_DEPTH, NUM_CLASSES

# Cityscapes-like colours for the 11 classes, in CLASSES order (RGB).
PALETTE = np.array(
    [
        (128, 64, 128),  # road
        (244, 35, 232),  # sidewalk
        (102, 102, 156),  # wall
        (190, 153, 153),  # fence
        (220, 20, 60),  # person
        (153, 153, 153),  # pole
        (107, 142, 35),  # vegetation
        (0, 0, 142),  # vehicle
        (220, 220, 0),  # traffic_sign
        (70, 70, 70),  # building
        (70, 130, 180),  # sky
    ],
    dtype=np.uint8,
)


# ----------------------------------------------------------------------------- semantic


def semantic_loss(raw: torch.Tensor, batch: dict, class_balance: float = 0.0) -> torch.Tensor:
    """Cross-entropy over the labelled pixels. ``class_balance`` p > 0 weights each class by its
    share of the batch's labelled pixels to the power -p: p = 1 gives every class present the same
    say (the mean over classes of their mean loss), 0.5 the inverse square root (docs/method.md)."""
    # raw: (B, 11, H, W) logits; labels >= NUM_CLASSES other than 255 never occur (loaders map them)
    target = batch["semantic"]  # (B, H, W)
    labelled = target != IGNORE_INDEX
    if not labelled.any():
        return raw.sum() * 0.0  # cross-entropy's mean over no pixel is 0/0: NaN into every weight
    weight = None
    if class_balance:
        share = torch.bincount(target[labelled], minlength=raw.shape[1]).float() / labelled.sum()
        weight = share.clamp_min(1e-4).pow(-class_balance).to(raw.dtype)  # absent classes: any value, unused
    return F.cross_entropy(raw, target, weight=weight, ignore_index=IGNORE_INDEX)


def semantic_predict(raw: torch.Tensor) -> torch.Tensor:
    return raw.argmax(dim=1)  # (B, H, W) int64


def colourise_semantic(pred: np.ndarray | torch.Tensor) -> np.ndarray:
    pred = np.asarray(pred.cpu() if isinstance(pred, torch.Tensor) else pred).astype(np.int64)
    out = np.zeros((*pred.shape, 3), np.uint8)  # ignore (255) stays black
    valid = (pred >= 0) & (pred < NUM_CLASSES)
    out[valid] = PALETTE[pred[valid]]
    return out


# ----------------------------------------------------------------------------- depth


def depth_loss(raw: torch.Tensor, batch: dict) -> torch.Tensor:
    """L1 on depth / 100 (the head predicts [0, 1]); no label (0) and beyond 100 m are masked."""
    target = batch["depth"]  # (B, H, W) metres
    pred = torch.sigmoid(raw[:, 0])
    valid = (target > 0) & (target <= MAX_DEPTH)
    if not valid.any():
        return raw.sum() * 0.0  # keeps the graph (and DDP's gradient sync) alive
    return (pred[valid] - target[valid] / MAX_DEPTH).abs().mean()


def depth_predict(raw: torch.Tensor) -> torch.Tensor:
    return torch.sigmoid(raw[:, 0]) * MAX_DEPTH  # (B, H, W) metres


def colourise_depth(depth: np.ndarray | torch.Tensor, max_depth: float = MAX_DEPTH) -> np.ndarray:
    """Inverse depth through matplotlib's magma: near is bright; no label (0) is black."""
    from matplotlib import colormaps

    depth = np.asarray(depth.cpu() if isinstance(depth, torch.Tensor) else depth, dtype=np.float32)
    valid = np.isfinite(depth) & (depth > 0)
    inv = np.zeros_like(depth)
    inv[valid] = np.clip(1.0 / np.maximum(depth[valid], 1e-3), 0, 1.0)  # 1 m -> 1.0
    inv = np.sqrt(inv)  # spread the far range, where street scenes spend most pixels
    out = (colormaps["magma"](inv)[..., :3] * 255).astype(np.uint8)
    out[~valid] = 0
    return out


# ----------------------------------------------------------------------------- normals


def normals_loss(raw: torch.Tensor, batch: dict) -> torch.Tensor:
    """Cosine loss on unit vectors; pixels whose target is all-zero carry no label."""
    target = batch["normals"]  # (B, 3, H, W)
    pred = F.normalize(torch.tanh(raw), dim=1)
    valid = target.norm(dim=1) > 0.5
    if not valid.any():
        return raw.sum() * 0.0
    cos = (pred * target).sum(dim=1)
    return (1.0 - cos[valid]).mean()


def normals_predict(raw: torch.Tensor) -> torch.Tensor:
    return F.normalize(torch.tanh(raw), dim=1)  # (B, 3, H, W)


def colourise_normals(normals: np.ndarray | torch.Tensor) -> np.ndarray:
    n = np.asarray(normals.cpu() if isinstance(normals, torch.Tensor) else normals, dtype=np.float32)
    if n.shape[0] == 3 and n.shape[-1] != 3:
        n = n.transpose(1, 2, 0)  # (3, H, W) -> (H, W, 3)
    valid = np.linalg.norm(n, axis=-1) > 0.5
    out = ((n + 1.0) * 127.5).clip(0, 255).astype(np.uint8)
    out[~valid] = 0
    return out


# ----------------------------------------------------------------------------- registry


def _accumulator(kind: str) -> Callable[[], object]:
    def make():
        return {
            "semantic": lambda: metrics.SemanticAccumulator(num_classes=NUM_CLASSES, ignore_index=IGNORE_INDEX),
            "depth": lambda: metrics.DepthAccumulator(min_depth=1e-3, max_depth=MAX_DEPTH),
            "normals": lambda: metrics.NormalAccumulator(),
        }[kind]()

    return make


@dataclass(frozen=True)
class Metric:
    """One score of a task, as every table, chart and comparison shows it."""

    key: str  # in the scores: "miou", "abs_rel"; "iou.road" for a class's IoU (scores["iou"]["road"])
    header: str  # its column in the paper's table layout
    higher_is_better: bool
    decimals: int
    name: str = ""  # in charts and sentences, with its unit ("mIoU (%)"); default the header
    table: bool = True  # a column of the paper's table layout; False: in the scores and study reports only

    @property
    def title(self) -> str:
        return self.name or self.header


SEMANTIC_HEADERS = ("Road", "Sidewalk", "Walls", "Fence", "Person", "Poles", "Vegetation", "Vehicles",
                    "Tr. Signs", "Building", "Sky")  # the paper's Tab. 1, in CLASSES order


@dataclass(frozen=True)
class Task:
    name: str
    short: str  # in the paper's titles: "Dep. -> Sem."
    out_channels: int
    loss: Callable[[torch.Tensor, dict], torch.Tensor]  # (raw output, batch) -> scalar
    predict: Callable[[torch.Tensor], torch.Tensor]  # raw output -> prediction in task units
    accumulator: Callable[[], object]  # fresh streaming metric: update(pred, target), compute()
    colourise: Callable[..., np.ndarray]  # one prediction or label -> uint8 HxWx3
    metrics: tuple[Metric, ...]  # what its accumulator scores, in the paper's column order
    key_metrics: tuple[str, ...]  # the ones a summary shows, the first foremost
    no_label: str  # a label without a pixel the metrics score (accumulator().count == 0), in words
    fill: tuple[float, torch.dtype, tuple[int, ...]]  # "no label" (value, dtype, dims before H, W) (data.partial)
    # (raw, batch, p) -> the loss with classes weighted by their batch share^-p (train.class_balance);
    # None for a task without classes
    balanced_loss: Callable[[torch.Tensor, dict, float], torch.Tensor] | None = None

    @property
    def label_key(self) -> str:
        return self.name  # a task's labels live under batch[task.name]

    @property
    def metric_keys(self) -> list[str]:
        return [m.key for m in self.metrics]

    def metric(self, key: str) -> Metric:
        for m in self.metrics:
            if m.key == key:
                return m
        raise ValueError(f"no metric {key!r} for task {self.name!r}; choose one of: {', '.join(self.metric_keys)}")


TASKS: dict[str, Task] = {
    "semantic": Task(
        name="semantic",
        short="Sem.",
        out_channels=NUM_CLASSES,
        loss=semantic_loss,
        predict=semantic_predict,
        accumulator=_accumulator("semantic"),
        colourise=colourise_semantic,
        metrics=(*(Metric(f"iou.{c}", h, True, 2, f"IoU {c} (%)") for c, h in zip(CLASSES, SEMANTIC_HEADERS)),
                 Metric("miou", "mIoU", True, 2, "mIoU (%)"), Metric("acc", "Acc", True, 2, "Acc (%)"),
                 Metric("miou_thin", "Thin mIoU", True, 2, "thin-class mIoU (%)", table=False)),
        key_metrics=("miou", "acc"),
        no_label="every pixel is 255 = ignore",
        fill=(IGNORE_INDEX, torch.int64, ()),
        balanced_loss=semantic_loss,
    ),
    "depth": Task(
        name="depth",
        short="Dep.",
        out_channels=1,
        loss=depth_loss,
        predict=depth_predict,
        accumulator=_accumulator("depth"),
        colourise=colourise_depth,
        metrics=(Metric("abs_rel", "Abs Rel", False, 3), Metric("sq_rel", "Sq Rel", False, 3),
                 Metric("rmse", "RMSE", False, 3, "RMSE (m)"), Metric("rmse_log", "RMSE log", False, 3),
                 Metric("d1", "δ1", True, 3), Metric("d2", "δ2", True, 3), Metric("d3", "δ3", True, 3)),
        key_metrics=("abs_rel", "d1"),
        no_label=f"no depth between 0.001 and {MAX_DEPTH:g} m",
        fill=(0.0, torch.float32, ()),
    ),
    "normals": Task(
        name="normals",
        short="Norm.",
        out_channels=3,
        loss=normals_loss,
        predict=normals_predict,
        accumulator=_accumulator("normals"),
        colourise=colourise_normals,
        metrics=(Metric("mean", "Mean", False, 2, "mean angle (°)"), Metric("median", "Median", False, 2, "median angle (°)"),
                 Metric("a11", "<11.25°", True, 2), Metric("a22", "<22.5°", True, 2), Metric("a30", "<30°", True, 2)),
        key_metrics=("mean", "a11"),
        no_label="every normal is all-zero",
        fill=(0.0, torch.float32, (3,)),
    ),
}


def label_keys(task: str) -> tuple[str, ...]:
    """The label key a task trains on and is scored against; none for an unknown name (which
    validation reports on its own)."""
    return (TASKS[task].label_key,) if task in TASKS else ()


def get_task(name: str) -> Task:
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}; choose one of: {', '.join(TASKS)}")
    return TASKS[name]
