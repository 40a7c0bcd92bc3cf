"""Semantic scores against hand-computed confusion matrices."""

import math

import pytest
import torch

from atdt.metrics import SemanticAccumulator, semantic_scores


def test_hand_computed_case_with_ignore_absent_and_fp_only_classes():
    # classes: 0 road, 1 sidewalk, 2 wall (never in GT, predicted once), 3.. absent everywhere
    target = torch.tensor([[0, 0, 0, 1], [1, 1, 255, 255]])
    pred = torch.tensor([[0, 0, 1, 1], [1, 2, 0, 7]])  # the two ignore pixels are not counted
    s = semantic_scores([pred], [target])
    # road: TP 2, FN 1 (pred 1), FP 0 -> 2/3; sidewalk: TP 2, FN 1 (pred 2), FP 1 -> 2/4
    assert s["iou"]["road"] == pytest.approx(100 * 2 / 3)
    assert s["iou"]["sidewalk"] == pytest.approx(50.0)
    assert s["iou"]["wall"] == 0.0  # only a false positive: IoU 0, counted in the mean
    assert math.isnan(s["iou"]["sky"])  # empty denominator: NaN, left out of the mean
    assert s["miou"] == pytest.approx((200 / 3 + 50 + 0) / 3)
    assert s["acc"] == pytest.approx(100 * 4 / 6)
    assert s["miou_thin"] == 0.0  # of the thin classes only wall has a denominator


def test_the_thin_class_mean_covers_walls_fence_person_poles_and_signs_only():
    # wall (2) 1/2, fence (3) 1/1, pole (5) 0/1 (taken for road); road (0) and vegetation (6) are not thin
    target = torch.tensor([[2, 2, 3, 5, 0, 0]])
    pred = torch.tensor([[2, 6, 3, 0, 0, 0]])
    s = semantic_scores([pred], [target])
    assert s["iou"]["wall"] == pytest.approx(50.0) and s["iou"]["pole"] == 0.0 and math.isnan(s["iou"]["person"])
    assert s["miou_thin"] == pytest.approx((50 + 100 + 0) / 3)
    assert math.isnan(semantic_scores([torch.tensor([[0]])], [torch.tensor([[0]])])["miou_thin"])


def test_out_of_range_prediction_counts_as_wrong():
    s = semantic_scores([torch.tensor([[0, 99]])], [torch.tensor([[0, 0]])])
    assert s["iou"]["road"] == pytest.approx(50.0)
    assert s["acc"] == pytest.approx(50.0)


def test_one_matrix_over_the_dataset_not_a_mean_of_images():
    # image 1: road perfect on 1 pixel; image 2: road 0 of 3 -> dataset IoU 1/4, mean of images would be 0.5
    preds = [torch.tensor([[0]]), torch.tensor([[1, 1, 1]])]
    targets = [torch.tensor([[0]]), torch.tensor([[0, 0, 0]])]
    assert semantic_scores(preds, targets)["iou"]["road"] == pytest.approx(25.0)


def test_stacked_sequences_and_streaming_agree():
    g = torch.Generator().manual_seed(0)
    preds = torch.randint(0, 11, (5, 8, 9), generator=g)
    targets = torch.randint(0, 12, (5, 8, 9), generator=g)
    targets[targets == 11] = 255
    a = semantic_scores(preds, targets)
    b = semantic_scores(list(preds), list(targets))
    acc = SemanticAccumulator()
    acc.update(preds[:2], targets[:2])
    acc.update(preds[2:], targets[2:])
    assert a == b == acc.compute()


def test_all_ignored_gives_nan():
    s = semantic_scores([torch.zeros(2, 2, dtype=torch.long)], [torch.full((2, 2), 255)])
    assert math.isnan(s["miou"]) and math.isnan(s["acc"])


def test_count_is_the_pixels_scored():  # 0: evaluation refuses to report such scores
    acc = SemanticAccumulator()
    acc.update(torch.zeros(2, 2), torch.full((2, 2), 255))
    assert acc.count == 0
    acc.update(torch.zeros(2, 2), torch.tensor([[255, 3], [1, 255]]))
    assert acc.count == 2


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError, match="pixels"):
        semantic_scores([torch.zeros(2, 2)], [torch.zeros(2, 3)])
