"""Training sets whose domains carry different labels (the No Transfer network, paper supplementary
Sec. 1.2: T1 labels of A and B, T2 labels of A only), for batches that mix the domains.

A batch must collate, so a label a sample does not train on is filled with its task's "no label"
value and flagged by ``has_<label>`` (bool): losses pick the samples that carry a label by that
mask (atdt.engine.train_variants.partial_task_loss), never by the fill. Outside such a batch a
label a domain lacks stays absent.
"""

from __future__ import annotations

import torch

from atdt.data.mixed import SideBySide, TrainingSet
from atdt.tasks import TASKS


def fill_label(key: str, size: tuple[int, int]) -> torch.Tensor:
    """Label ``key``'s "no label" value (its task's ``fill``) over an image of ``size``."""
    fills = {task.label_key: task.fill for task in TASKS.values()}
    if key not in fills:
        raise ValueError(f"no fill value for label {key!r}; known labels: {', '.join(fills)}")
    value, dtype, lead = fills[key]
    return torch.full((*lead, *size), value, dtype=dtype)


class PartialLabelSet(SideBySide):
    """Domains side by side (addressed like TrainingSet, for MixedSampler), each with the label
    keys it trains on: ``keys[i]`` for ``datasets[i]``. An item holds the image, every label key
    of any domain (filled where its domain does not train on it), ``has_<key>`` for each, and
    ``domain`` (the index of its dataset). A domain's labels not named in its keys are dropped,
    even when the dataset has them (No Transfer never sees T2 labels of B)."""

    def __init__(self, datasets: list, keys: list[tuple[str, ...]], *, crop=None, flip: bool = False,
                 photometric: bool = False):
        if len(keys) != len(datasets):
            raise ValueError(f"one tuple of label keys per dataset: {len(keys)} for {len(datasets)} datasets")
        super().__init__(datasets)
        # each part checks that its dataset has its labels, and crops and flips them with the image
        self.parts = [TrainingSet([d], tuple(k), crop=crop, flip=flip, photometric=photometric)
                      for d, k in zip(datasets, keys)]
        self.labels = tuple(dict.fromkeys(k for domain_keys in keys for k in domain_keys))
        for key in self.labels:
            fill_label(key, (1, 1))  # fails now, not in a worker, for a label without a fill value

    def sample(self, domain: int, index: int, seed: int) -> dict:
        sample = self.parts[domain][(index, seed)]
        size = tuple(sample["image"].shape[-2:])
        for key in self.labels:
            sample[f"has_{key}"] = key in sample
            if key not in sample:
                sample[key] = fill_label(key, size)
        return sample
