"""Joint crop/flip and photometric augmentation."""

import pytest
import torch

from atdt.data.transforms import augment, photometric, random_crop_flip


def _sample():
    image = torch.arange(2 * 4, dtype=torch.float32).view(1, 2, 4).repeat(3, 1, 1) / 8
    normals = torch.zeros(3, 2, 4)
    normals[0] = 0.6
    normals[2] = 0.8
    return {"image": image, "semantic": torch.arange(8).view(2, 4), "depth": torch.arange(8.0).view(2, 4),
            "normals": normals, "camera": {"fx": 1.0, "fy": 1.0, "cx": 2.0, "cy": 1.0, "baseline": 0.0}}


def test_crop_and_flip_move_image_and_labels_together():
    for seed in range(20):
        out = random_crop_flip(_sample(), (2, 3), True, torch.Generator().manual_seed(seed))
        # the image encodes the pixel index: every label must carry the same index at each pixel
        index = (out["image"][0] * 8).round().long()
        assert torch.equal(index, out["semantic"]) and torch.equal(index.float(), out["depth"])
        flipped = bool(index[0, 0] > index[0, 1])
        assert out["normals"][0, 0, 0].item() == pytest.approx(-0.6 if flipped else 0.6)  # x component mirrors
        assert out["semantic"].shape == (2, 3)
        left = 0 if flipped and index[0, -1] == 0 else int(index[0].min())
        assert out["camera"]["cx"] == 2.0 - left


def test_same_seed_same_augmentation_and_range_kept():
    a = augment(_sample(), crop=(2, 2), flip=True, photometric_aug=True, seed=3)
    b = augment(_sample(), crop=(2, 2), flip=True, photometric_aug=True, seed=3)
    assert torch.equal(a["image"], b["image"]) and torch.equal(a["semantic"], b["semantic"])
    images = [photometric(torch.full((3, 4, 4), 0.5), torch.Generator().manual_seed(s)) for s in range(50)]
    assert all(0.0 <= im.min() and im.max() <= 1.0 for im in images)
    assert len({round(im.mean().item(), 4) for im in images}) > 10  # it does change the image
