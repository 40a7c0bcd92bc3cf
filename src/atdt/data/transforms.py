"""Joint training transforms: random crop and horizontal flip applied identically to the image
and its labels, and the authors' photometric augmentation (gamma 0.8-1.2, brightness 0.5-2.0,
per-channel colour 0.8-1.2, each with p = 0.5).

Written out rather than composed from torchvision.transforms.v2 for two reasons: a flip must
negate the x component of surface normals, and every random draw comes from a per-sample
generator, so a resumed run sees exactly the augmentations an uninterrupted one would.
"""

from __future__ import annotations

import torch

LABEL_KEYS = ("semantic", "depth", "normals")


def random_crop_flip(sample: dict, crop: tuple[int, int] | None, flip: bool, generator: torch.Generator) -> dict:
    out = dict(sample)
    h, w = sample["image"].shape[-2:]
    if crop is not None:
        ch, cw = crop
        if ch > h or cw > w:
            raise ValueError(f"crop {ch}x{cw} is larger than the image {h}x{w} of {sample.get('name', '?')}")
        top = int(torch.randint(0, h - ch + 1, (1,), generator=generator))
        left = int(torch.randint(0, w - cw + 1, (1,), generator=generator))
        for key in ("image", *LABEL_KEYS):
            if key in out:
                out[key] = out[key][..., top : top + ch, left : left + cw]
        if "camera" in out:  # the principal point moves with the crop
            out["camera"] = {**out["camera"], "cx": out["camera"]["cx"] - left, "cy": out["camera"]["cy"] - top}
    if flip and bool(torch.rand((), generator=generator) < 0.5):
        for key in ("image", *LABEL_KEYS):
            if key in out:
                out[key] = out[key].flip(-1)
        if "normals" in out:
            normals = out["normals"].clone()
            normals[0] = -normals[0]  # x points right: mirrored surfaces face the other way
            out["normals"] = normals
    return out


def photometric(image: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """image: (3, H, W) in [0, 1]."""
    def coin() -> bool:
        return bool(torch.rand((), generator=generator) < 0.5)

    def uniform(lo: float, hi: float, shape=()) -> torch.Tensor:
        return lo + (hi - lo) * torch.rand(shape, generator=generator)

    if coin():
        image = image.clamp(min=0) ** uniform(0.8, 1.2)
    if coin():
        image = image * uniform(0.5, 2.0)
    if coin():
        image = image * uniform(0.8, 1.2, (3, 1, 1))
    return image.clamp(0.0, 1.0)


def augment(sample: dict, *, crop, flip: bool, photometric_aug: bool, seed: int) -> dict:
    generator = torch.Generator().manual_seed(seed)
    out = random_crop_flip(sample, crop, flip, generator)
    if photometric_aug:
        out["image"] = photometric(out["image"], generator)
    return out
