"""Training sets whose domains train on different labels: fills, presence masks, domain index."""

import pytest
import torch
from torch.utils.data import DataLoader

from atdt.data import load_dataset
from atdt.data.mixed import MixedSampler, TrainingSet
from atdt.data.partial import PartialLabelSet, fill_label


@pytest.fixture
def domains(tiny_world):
    return [load_dataset("world", tiny_world / d, "train") for d in ("clean", "camera")]


def test_a_label_a_domain_does_not_train_on_is_filled_and_flagged(domains):
    # T1 = depth on A and B, T2 = semantic on A only, although B has semantic labels too
    data = PartialLabelSet(domains, [("depth", "semantic"), ("depth",)], crop=(24, 48), flip=True, photometric=True)
    assert data.sizes == [12, 12] and len(data) == 24 and data.labels == ("depth", "semantic")
    a, b = data[(0, 7)], data[(12, 7)]
    assert a["domain"] == 0 and b["domain"] == 1
    assert a["has_semantic"] and a["has_depth"] and b["has_depth"] and not b["has_semantic"]
    assert b["semantic"].shape == (24, 48) and b["semantic"].dtype == torch.int64 and bool((b["semantic"] == 255).all())
    assert b["depth"].shape == (24, 48) and float(b["depth"].max()) > 0  # its own labels stay
    assert (a["semantic"] != 255).any()
    # an item is the same sample, with the same augmentation, as TrainingSet gives
    same = TrainingSet([domains[1]], ("depth",), crop=(24, 48), flip=True, photometric=True)[(0, 7)]
    assert torch.equal(b["image"], same["image"]) and torch.equal(b["depth"], same["depth"])


def test_mixed_batches_collate_with_masks_and_domains(domains):
    data = PartialLabelSet(domains, [("depth", "semantic"), ("depth",)])
    sampler = MixedSampler(data.sizes, 4, seed=0)
    batch = next(iter(DataLoader(data, batch_size=4, sampler=sampler)))
    assert batch["domain"].tolist() == [0, 0, 1, 1] and batch["domain"].dtype == torch.int64
    assert batch["has_semantic"].tolist() == [True, True, False, False]
    assert batch["has_depth"].tolist() == [True] * 4
    assert batch["semantic"].shape == batch["depth"].shape == (4, 32, 64)


def test_training_set_batches_carry_the_domain_index(domains):
    data = TrainingSet(domains, ("semantic",))
    batch = next(iter(DataLoader(data, batch_size=4, sampler=MixedSampler(data.sizes, 4, seed=0))))
    assert batch["domain"].tolist() == [0, 0, 1, 1]


def test_fill_values_and_errors(domains):
    assert fill_label("normals", (2, 3)).shape == (3, 2, 3) and float(fill_label("depth", (2, 3)).abs().sum()) == 0
    with pytest.raises(ValueError, match="one tuple of label keys per dataset"):
        PartialLabelSet(domains, [("depth",)])
    with pytest.raises(ValueError, match="no fill value for label 'edges'"):
        fill_label("edges", (2, 2))
