"""Semantic segmentation scores from one confusion matrix over the whole dataset
(cityscapesScripts' pixel evaluation): IoU = TP / (TP + FP + FN) per class, mIoU over the
classes with a non-empty denominator, pixel accuracy; all in percent, as the paper's tables. Beyond
the paper: ``miou_thin``, the mean IoU of the thin classes (``THIN_CLASSES``) alone."""

from __future__ import annotations

import math

import torch

from atdt.data.classes import CLASSES, IGNORE_INDEX, NUM_CLASSES, THIN_CLASSES


class SemanticAccumulator:
    """Streams (prediction, target) label maps into a confusion matrix [true, predicted]."""

    def __init__(self, num_classes: int = NUM_CLASSES, ignore_index: int = IGNORE_INDEX):
        self.num_classes = num_classes
        self.ignore_index = ignore_index
        # one extra column collects predictions outside [0, num_classes): wrong for every class
        self.confusion = torch.zeros(num_classes, num_classes + 1, dtype=torch.int64)

    def update(self, pred: torch.Tensor, target: torch.Tensor) -> None:
        pred, target = torch.as_tensor(pred).long().flatten().cpu(), torch.as_tensor(target).long().flatten().cpu()
        if pred.shape != target.shape:
            raise ValueError(f"prediction has {pred.numel()} pixels, target {target.numel()}")
        keep = (target != self.ignore_index) & (target >= 0) & (target < self.num_classes)
        pred, target = pred[keep], target[keep]
        pred = torch.where((pred >= 0) & (pred < self.num_classes), pred, torch.full_like(pred, self.num_classes))
        flat = target * (self.num_classes + 1) + pred
        self.confusion += torch.bincount(flat, minlength=self.num_classes * (self.num_classes + 1)).view_as(self.confusion)

    def merge(self, other: SemanticAccumulator) -> None:
        self.confusion += other.confusion

    @property
    def count(self) -> int:
        """Pixels scored (those with a valid label); 0 = nothing to score."""
        return int(self.confusion.sum())

    def state(self) -> torch.Tensor:
        """The whole state as one tensor (sum it across processes to merge under DDP)."""
        return self.confusion

    def compute(self) -> dict:
        cm = self.confusion.double()
        tp = cm.diagonal()
        fn = cm.sum(dim=1) - tp  # true class pixels predicted otherwise (incl. out-of-range predictions)
        fp = cm[:, : self.num_classes].sum(dim=0) - tp
        denom = tp + fp + fn
        iou = {
            name: (100.0 * tp[c].item() / denom[c].item()) if denom[c] > 0 else math.nan
            for c, name in enumerate(CLASSES[: self.num_classes])
        }
        valid = [v for v in iou.values() if not math.isnan(v)]
        thin = [iou[c] for c in THIN_CLASSES if c in iou and not math.isnan(iou[c])]
        total = cm.sum().item()
        return {
            "iou": iou,
            "miou": sum(valid) / len(valid) if valid else math.nan,
            "miou_thin": sum(thin) / len(thin) if thin else math.nan,
            "acc": 100.0 * tp.sum().item() / total if total else math.nan,
        }


def semantic_scores(preds, targets, num_classes: int = NUM_CLASSES, ignore_index: int = IGNORE_INDEX) -> dict:
    """``preds``/``targets``: sequences of [H, W] label maps or stacked [N, H, W] tensors."""
    acc = SemanticAccumulator(num_classes, ignore_index)
    for pred, target in zip(preds, targets, strict=True):
        acc.update(pred, target)
    return acc.compute()
