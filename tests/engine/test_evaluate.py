"""The evaluation loop: images of several sizes are scored at their own size, and a split without a
single valid label is an error naming it rather than NaN scores."""

import shutil

import numpy as np
import pytest
import torch

from atdt.data import load_dataset
from atdt.data.io import write_image
from atdt.engine import evaluate
from atdt.tasks import TASKS


def road_everywhere(images):  # (B, 3, H, W) -> semantic logits (B, 11, H, W), class 0 (road) wins
    raw = torch.zeros(images.shape[0], 11, *images.shape[-2:])
    raw[:, 0] = 1.0
    return raw


@pytest.fixture
def camera(tiny_world, tmp_path):
    root = tmp_path / "camera"
    shutil.copytree(tiny_world / "camera", root)
    return root


def test_images_of_several_sizes_are_scored_each_at_its_own(camera):
    for kind, array in (("image", np.zeros((24, 48, 3), np.uint8)), ("semantic", np.zeros((24, 48), np.uint8)),
                        ("depth", np.full((24, 48), 2560, np.uint16)),
                        ("normals", np.full((24, 48, 3), 40000, np.uint16))):
        write_image(camera / f"test/{kind}/000001.png", array)  # a smaller image, all road
    test = load_dataset("world", camera, "test")
    batched = evaluate(road_everywhere, test, TASKS["semantic"], batch_size=4, device="cpu", progress=False)
    one_by_one = evaluate(road_everywhere, test, TASKS["semantic"], batch_size=1, device="cpu", progress=False)
    assert batched == one_by_one  # integer confusion counts: exactly equal
    assert batched["iou"]["road"] > 0


@pytest.mark.parametrize("task, array", [("semantic", np.full((32, 64), 255, np.uint8)),
                                         ("depth", np.zeros((32, 64), np.uint16))])
def test_a_split_without_a_valid_label_is_an_error_naming_it(camera, task, array):
    for name in ("000000", "000001", "000002", "000003"):
        write_image(camera / f"test/{task}/{name}.png", array)
    test = load_dataset("world", camera, "test")
    predict = road_everywhere if task == "semantic" else (lambda x: torch.zeros(x.shape[0], 1, *x.shape[-2:]))
    with pytest.raises(ValueError, match=f"world/camera split 'test': none of its 4 image.s. has a valid {task} label"):
        evaluate(predict, test, TASKS[task], device="cpu", progress=False, split="test")
