"""The tasks' losses, predictions and colourisers against hand-computed values."""

import math

import numpy as np
import pytest
import torch

from atdt.data.classes import CLASSES, IGNORE_INDEX, NUM_CLASSES
from atdt.tasks import PALETTE, TASKS, get_task


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


# ----------------------------------------------------------------------------- losses


def test_semantic_loss_is_cross_entropy_over_the_labelled_pixels():
    # every pixel: logit ln 2 for class 3, 0 for the other ten -> softmax 2/12 for class 3, 1/12 otherwise
    raw = torch.zeros(1, NUM_CLASSES, 2, 2)
    raw[:, 3] = math.log(2.0)
    target = torch.tensor([[[3, 0], [IGNORE_INDEX, 3]]])  # (B, H, W)
    # -ln(2/12) = ln 6 twice, -ln(1/12) = ln 12 once; the ignored pixel is out of the mean (3, not 4)
    expected = (2 * math.log(6.0) + math.log(12.0)) / 3
    assert TASKS["semantic"].loss(raw, {"semantic": target}).item() == pytest.approx(expected, rel=1e-6)


def test_class_balance_one_gives_every_class_present_the_same_say():
    """p = 1 weights a class by 1 / its pixel share: the loss is the mean over the classes present
    of each one's mean cross-entropy, whatever their pixel counts; p = 0 is plain cross-entropy."""
    torch.manual_seed(0)
    raw = torch.randn(2, NUM_CLASSES, 4, 8)
    target = torch.zeros(2, 4, 8, dtype=torch.int64)  # road everywhere but:
    target[0, 0, :3] = 5  # 3 pole pixels
    target[1, 2, 1] = 8  # 1 traffic-sign pixel
    target[1, 3, :] = IGNORE_INDEX  # 8 pixels without a label
    per_pixel = torch.nn.functional.cross_entropy(raw, target, ignore_index=IGNORE_INDEX, reduction="none")
    by_class = [per_pixel[target == c].mean() for c in (0, 5, 8)]
    loss = TASKS["semantic"].balanced_loss
    assert loss(raw, {"semantic": target}, 1.0).item() == pytest.approx(torch.stack(by_class).mean().item(), rel=1e-5)
    assert loss(raw, {"semantic": target}, 0.0).item() == pytest.approx(
        TASKS["semantic"].loss(raw, {"semantic": target}).item(), rel=1e-6)


def test_class_balance_hands_the_rare_class_a_larger_share_of_the_gradient():
    raw = torch.zeros(1, NUM_CLASSES, 4, 4, requires_grad=True)
    target = torch.zeros(1, 4, 4, dtype=torch.int64)
    target[0, 0, 0] = 5  # one pole pixel among 15 of road
    shares = []
    for p in (0.0, 0.5, 1.0):
        (grad,) = torch.autograd.grad(TASKS["semantic"].balanced_loss(raw, {"semantic": target}, p), raw)
        per_pixel = grad.norm(dim=1)[0]
        shares.append((per_pixel[0, 0] / per_pixel.sum()).item())
    assert shares[0] == pytest.approx(1 / 16, rel=1e-5)  # every pixel alike
    # p = 0.5: weights (1/16)^-0.5 = 4 for the pole, (15/16)^-0.5 for each road pixel
    assert shares[1] == pytest.approx(4 / (4 + 15 * (16 / 15) ** 0.5), rel=1e-5)
    assert shares[2] == pytest.approx(0.5, rel=1e-5)  # the pole pixel weighs as much as the 15 road pixels


def test_depth_loss_is_l1_on_depth_over_100_without_unlabelled_or_far_pixels():
    raw = torch.zeros(1, 1, 2, 2)  # sigmoid(0) = 0.5, i.e. 50 m
    raw[0, 0, 1, 1] = _logit(0.9)  # 90 m
    raw[0, 0, 0, 0] = 7.0  # on an unlabelled pixel: must not count
    target = torch.tensor([[[0.0, 25.0], [150.0, 100.0]]])  # no label, 25 m, beyond 100 m, 100 m
    # |0.5 - 0.25| = 0.25 and |0.9 - 1.0| = 0.1 -> mean 0.175 (L1, not berHu or log)
    assert TASKS["depth"].loss(raw, {"depth": target}).item() == pytest.approx(0.175, rel=1e-5)


def test_normals_loss_is_one_minus_cosine_where_the_target_is_not_zero():
    raw = torch.zeros(1, 3, 2, 2)
    raw[:, 0] = 1.0  # every pixel predicts (1, 0, 0) after tanh and normalisation
    target = torch.zeros(1, 3, 2, 2)
    target[0, :, 0, 0] = torch.tensor([1.0, 0.0, 0.0])  # cos 1 -> 0
    target[0, :, 0, 1] = torch.tensor([0.0, 1.0, 0.0])  # cos 0 -> 1
    target[0, :, 1, 0] = torch.tensor([-1.0, 0.0, 0.0])  # cos -1 -> 2
    # target[0, :, 1, 1] stays all-zero: no label
    assert TASKS["normals"].loss(raw, {"normals": target}).item() == pytest.approx(1.0, rel=1e-6)


NO_LABEL = {
    "semantic": torch.full((2, 4, 4), IGNORE_INDEX),
    "depth": torch.zeros(2, 4, 4),
    "normals": torch.zeros(2, 3, 4, 4),
}


@pytest.mark.parametrize("name", list(TASKS))
def test_a_batch_without_a_labelled_pixel_gives_zero_and_zero_gradients(name):
    # e.g. a mixed-domain batch whose samples all lack this label's valid pixels: no NaN may reach the weights
    task = TASKS[name]
    raw = torch.randn(2, task.out_channels, 4, 4, requires_grad=True)
    loss = task.loss(raw, {name: NO_LABEL[name]})
    loss.backward()
    assert loss.item() == 0.0
    assert torch.equal(raw.grad, torch.zeros_like(raw))


@pytest.mark.parametrize("name", list(TASKS))
def test_a_tasks_fill_is_its_no_label_value_which_its_metrics_do_not_score(name):
    from atdt.data.partial import fill_label

    task = TASKS[name]
    fill = fill_label(task.label_key, (4, 4))  # what a mixed batch holds where a domain lacks the label
    assert fill.dtype == task.fill[1] and torch.equal(fill, NO_LABEL[name][0].to(fill.dtype))
    metric = task.accumulator()
    metric.update(fill[None], fill[None])
    assert metric.count == 0 and task.no_label  # the words `data check` and evaluate use for it


# ----------------------------------------------------------------------------- predictions


def test_semantic_predict_is_the_argmax_over_classes():
    raw = torch.zeros(1, NUM_CLASSES, 1, 3)
    raw[0, 7, 0, 0], raw[0, 2, 0, 1], raw[0, 10, 0, 2] = 1.0, 0.5, 3.0
    pred = TASKS["semantic"].predict(raw)
    assert pred.dtype == torch.int64 and pred.shape == (1, 1, 3)
    assert pred.tolist() == [[[7, 2, 10]]]


def test_depth_predict_is_a_sigmoid_times_100_metres():
    raw = torch.tensor([0.0, _logit(0.2), _logit(0.999)]).view(1, 1, 1, 3)
    pred = TASKS["depth"].predict(raw)
    assert pred.shape == (1, 1, 3)
    assert pred.flatten().tolist() == pytest.approx([50.0, 20.0, 99.9], rel=1e-5)


def test_normals_predict_gives_unit_vectors_along_tanh_of_the_output():
    raw = torch.tensor([[1.0, 0.5], [0.0, 0.5], [0.0, 0.0]]).view(1, 3, 1, 2)
    pred = TASKS["normals"].predict(raw)
    assert pred.shape == (1, 3, 1, 2)
    assert pred[0, :, 0, 0].tolist() == pytest.approx([1.0, 0.0, 0.0])
    assert pred[0, :, 0, 1].tolist() == pytest.approx([2**-0.5, 2**-0.5, 0.0])


# ----------------------------------------------------------------------------- colourisers


def test_semantic_colours_are_the_palette_and_ignore_is_black():
    ids = torch.tensor([[0, 10], [7, IGNORE_INDEX]])
    out = TASKS["semantic"].colourise(ids)
    assert out.dtype == np.uint8 and out.shape == (2, 2, 3)
    assert out[0, 0].tolist() == [128, 64, 128]  # road
    assert out[0, 1].tolist() == [70, 130, 180]  # sky
    assert out[1, 0].tolist() == [0, 0, 142]  # vehicle
    assert out[1, 1].tolist() == [0, 0, 0]
    assert len(PALETTE) == len(CLASSES) and len({tuple(c) for c in PALETTE.tolist()}) == len(CLASSES)
    assert np.array_equal(TASKS["semantic"].colourise(ids.numpy()), out)  # numpy in, same picture


def test_depth_colours_near_bright_far_dark_unlabelled_black():
    out = TASKS["depth"].colourise(torch.tensor([[1.0, 4.0, 100.0, 0.0]]))
    assert out.dtype == np.uint8 and out.shape == (1, 4, 3)
    # magma at sqrt(1 / 1 m) = 1.0 is (0.987, 0.991, 0.750): near pale yellow
    assert out[0, 0].tolist() == pytest.approx([251, 252, 191], abs=1)
    brightness = out[0, :3].astype(int).sum(axis=1)
    assert brightness[0] > brightness[1] > brightness[2]
    assert out[0, 3].tolist() == [0, 0, 0]


def test_normals_colours_map_minus_one_one_to_0_255_from_chw_or_hwc():
    n = torch.zeros(3, 1, 4)  # (3, H, W); a width of 3 would read as HWC
    n[:, 0, 0] = torch.tensor([1.0, 0.0, 0.0])
    n[:, 0, 1] = torch.tensor([0.0, 0.0, -1.0])  # facing the camera
    n[:, 0, 2] = torch.tensor([0.0, -1.0, 0.0])  # up (y down in the OpenCV frame)
    out = TASKS["normals"].colourise(n)
    assert out.dtype == np.uint8 and out.shape == (1, 4, 3)
    assert out[0].tolist() == [[255, 127, 127], [127, 127, 0], [127, 0, 127], [0, 0, 0]]
    assert np.array_equal(TASKS["normals"].colourise(n.permute(1, 2, 0).numpy()), out)


# ----------------------------------------------------------------------------- registry


@pytest.mark.parametrize("name", list(TASKS))
def test_the_metric_table_names_what_the_accumulator_scores(name):
    """Every metric of a task's table is a score its accumulator computes, and the other way round."""
    task = TASKS[name]
    metric = task.accumulator()
    label = {"semantic": torch.tensor([[[1, 2]]]), "depth": torch.tensor([[[10.0, 20.0]]]),
             "normals": torch.tensor([[[[0.0, 0.6]], [[0.0, 0.0]], [[1.0, 0.8]]]])}[name]
    metric.update(label, label)
    scores = metric.compute()
    computed = {f"iou.{c}" for c in scores.get("iou", {})} | {k for k, v in scores.items() if not isinstance(v, dict)}
    assert set(task.metric_keys) <= computed and set(task.key_metrics) <= set(task.metric_keys)
    assert task.label_key == name and task.short.endswith(".")


def test_metric_directions_and_formats():
    semantic, depth, normals = TASKS["semantic"], TASKS["depth"], TASKS["normals"]
    assert semantic.metric("miou").higher_is_better and semantic.metric("iou.road").higher_is_better
    assert not depth.metric("abs_rel").higher_is_better and depth.metric("d1").higher_is_better
    assert not normals.metric("mean").higher_is_better and normals.metric("a11").higher_is_better
    assert semantic.metric("iou.road").title == "IoU road (%)" and depth.metric("rmse").title == "RMSE (m)"
    assert (semantic.metric("miou").decimals, depth.metric("d1").decimals) == (2, 3)
    with pytest.raises(ValueError, match="abs_rel"):
        depth.metric("absrel")


def test_a_perfect_prediction_scores_perfectly_through_the_task():
    semantic, depth = TASKS["semantic"], TASKS["depth"]
    raw = torch.zeros(1, NUM_CLASSES, 2, 2)
    raw[0, 4, 0, 0] = raw[0, 9, 0, 1] = raw[0, 9, 1, 0] = raw[0, 4, 1, 1] = 1.0
    metric = semantic.accumulator()
    metric.update(semantic.predict(raw), torch.tensor([[[4, 9], [9, 4]]]))
    scores = metric.compute()
    assert scores["miou"] == 100.0 and scores["acc"] == 100.0
    metric = depth.accumulator()
    raw = torch.full((1, 1, 2, 2), _logit(0.3))
    metric.update(depth.predict(raw), torch.full((1, 2, 2), 30.0))
    assert metric.compute()["abs_rel"] == pytest.approx(0.0, abs=1e-5)


def test_an_unknown_task_lists_the_choices():
    with pytest.raises(ValueError, match="semantic, depth, normals"):
        get_task("edges")
