"""Depth scores against hand-computed values (Eigen et al., per image then averaged)."""

import math

import pytest
import torch

from atdt.metrics import DepthAccumulator, depth_scores


def test_hand_computed_single_image():
    gt = torch.tensor([[2.0, 4.0, 0.0, 150.0]])  # 0 = no label, 150 > max: both masked
    pred = torch.tensor([[1.0, 5.0, 3.0, 3.0]])
    s = depth_scores([pred], [gt])
    assert s["abs_rel"] == pytest.approx((1 / 2 + 1 / 4) / 2)
    assert s["sq_rel"] == pytest.approx((1 / 2 + 1 / 4) / 2)
    assert s["rmse"] == pytest.approx(math.sqrt((1 + 1) / 2))
    assert s["rmse_log"] == pytest.approx(math.sqrt((math.log(2) ** 2 + math.log(5 / 4) ** 2) / 2))
    # ratios 2.0 and 1.25: neither < 1.25; 2.0 < 1.5625? no; both < 1.953? 1.25 yes, 2.0 no
    assert s["d1"] == 0.0 and s["d2"] == pytest.approx(0.5) and s["d3"] == pytest.approx(0.5)


def test_per_image_average_differs_from_pooled():
    # image A: 1 pixel abs_rel 1.0; image B: 3 pixels abs_rel 0 -> per image 0.5 (pooled would be 0.25)
    preds = [torch.tensor([[2.0]]), torch.tensor([[1.0, 1.0, 1.0]])]
    gts = [torch.tensor([[1.0]]), torch.tensor([[1.0, 1.0, 1.0]])]
    assert depth_scores(preds, gts)["abs_rel"] == pytest.approx(0.5)


def test_predictions_are_clipped_to_the_range():
    s = depth_scores([torch.tensor([[0.0, 500.0]])], [torch.tensor([[1.0, 99.0]])], min_depth=1e-3, max_depth=100.0)
    assert s["abs_rel"] == pytest.approx(((1 - 1e-3) / 1 + 1 / 99) / 2)


def test_images_without_valid_pixels_are_skipped():
    preds = [torch.tensor([[3.0]]), torch.tensor([[9.0]])]
    gts = [torch.tensor([[0.0]]), torch.tensor([[9.0]])]
    assert depth_scores(preds, gts)["abs_rel"] == 0.0
    assert math.isnan(depth_scores([torch.ones(1, 1)], [torch.zeros(1, 1)])["rmse"])
    acc = DepthAccumulator()
    acc.update(torch.ones(2, 1, 2), torch.tensor([[[0.0, 200.0]], [[0.0, 5.0]]]))
    assert acc.count == 1  # images scored: the first has no depth in range


def test_streaming_equals_one_shot():
    g = torch.Generator().manual_seed(1)
    gt = torch.rand(4, 5, 6, generator=g) * 120
    pred = torch.rand(4, 5, 6, generator=g) * 100
    acc = DepthAccumulator()
    acc.update(pred[:1], gt[:1])
    acc.update(pred[1:], gt[1:])
    one = depth_scores(pred, gt)
    assert acc.compute() == pytest.approx(one)
