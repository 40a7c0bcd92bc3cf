"""Normal scores on hand-made angles."""

import math

import pytest
import torch

from atdt.metrics import NormalAccumulator, normal_scores


def test_known_angles():
    target = torch.zeros(3, 1, 4)
    target[2] = 1.0  # all pointing along +z
    pred = torch.zeros(3, 1, 4)
    pred[:, 0, 0] = torch.tensor([0.0, 0.0, 1.0])  # 0 deg
    pred[:, 0, 1] = torch.tensor([1.0, 0.0, 0.0])  # 90 deg
    pred[:, 0, 2] = torch.tensor([0.0, 0.0, -1.0])  # 180 deg
    pred[:, 0, 3] = torch.tensor([math.sin(math.radians(20)), 0.0, math.cos(math.radians(20))])  # 20 deg
    s = normal_scores([pred], [target])
    assert s["mean"] == pytest.approx((0 + 90 + 180 + 20) / 4, abs=1e-6)
    assert s["median"] == pytest.approx(55.0, abs=35.01)  # between the 2nd and 3rd angle
    assert s["median"] in (pytest.approx(20.005, abs=0.01), pytest.approx(90.005, abs=0.01))
    assert s["a11"] == pytest.approx(25.0) and s["a22"] == pytest.approx(50.0) and s["a30"] == pytest.approx(50.0)


def test_unlabelled_pixels_are_ignored():
    target = torch.zeros(1, 3, 1, 2)
    target[0, 1, 0, 0] = -1.0  # one labelled pixel; the other is all-zero
    pred = torch.zeros(1, 3, 1, 2)
    pred[0, 1] = -1.0
    pred[0, 0, 0, 1] = 1.0  # wrong but unlabelled
    s = normal_scores(pred, target)
    assert s["mean"] == pytest.approx(0.0, abs=1e-6) and s["a11"] == 100.0
    acc = NormalAccumulator()
    acc.update(pred, torch.zeros_like(target))
    assert acc.count == 0
    acc.update(pred, target)
    assert acc.count == 1  # pixels scored
