"""Cityscapes: leftImg8bit images, gtFine labelIds (collapsed to the 11 classes), depth from
the 16-bit disparity with each image's camera JSON, and the right view for proxy depth."""

from __future__ import annotations

import json
from pathlib import Path

from atdt.data.encodings import disparity_png_to_depth
from atdt.data.errors import DatasetError
from atdt.data.files import FileDataset, Record, require_dir, strict_ids
from atdt.data.io import read_ids, read_png16


class CityscapesDataset(FileDataset):
    domain = "cityscapes"

    def __init__(self, root, split: str):
        root = Path(root)
        images = require_dir(root / "leftImg8bit" / split, "Cityscapes image")
        records = []
        for path in sorted(images.glob("*/*_leftImg8bit.png")):
            city, stem = path.parent.name, path.name[: -len("_leftImg8bit.png")]
            records.append(Record(
                name=f"{split}/{city}/{stem}", image=path,
                right=root / "rightImg8bit" / split / city / f"{stem}_rightImg8bit.png",
                semantic=root / "gtFine" / split / city / f"{stem}_gtFine_labelIds.png",
                depth=root / "disparity" / split / city / f"{stem}_disparity.png",
                camera=root / "camera" / split / city / f"{stem}_camera.json",
            ))
        labels = {k for k, folder in (("semantic", "gtFine"), ("depth", "disparity")) if (root / folder / split).is_dir()}
        super().__init__(records, labels)
        self.root, self.split = root, split

    def read_camera(self, record: Record, image_shape) -> dict:
        try:
            meta = json.loads(Path(record.camera).read_text())
            return {"fx": meta["intrinsic"]["fx"], "fy": meta["intrinsic"]["fy"], "cx": meta["intrinsic"]["u0"],
                    "cy": meta["intrinsic"]["v0"], "baseline": meta["extrinsic"]["baseline"]}
        except FileNotFoundError:
            raise DatasetError(record.camera, "camera file is missing") from None
        except (json.JSONDecodeError, KeyError, TypeError) as err:
            raise DatasetError(record.camera, f"not a Cityscapes camera file ({err!r})") from None

    def read_semantic(self, record: Record, image_shape):
        return strict_ids(read_ids(record.semantic), "cityscapes", record.semantic)

    def read_depth(self, record: Record, camera: dict, image_shape):
        disparity = read_png16(record.depth, "disparity")
        return disparity_png_to_depth(disparity, camera["fx"], camera["baseline"])

    def orphans(self) -> list[Path]:
        """Label or right files whose left image is missing (unpaired files)."""
        lefts = {(p.parent.name, p.name[: -len("_leftImg8bit.png")]) for p in (self.root / "leftImg8bit" / self.split).glob("*/*.png")}
        out = []
        for folder, suffix in (("rightImg8bit", "_rightImg8bit.png"), ("gtFine", "_gtFine_labelIds.png"), ("disparity", "_disparity.png")):
            for p in (self.root / folder / self.split).glob(f"*/*{suffix}"):
                if (p.parent.name, p.name[: -len(suffix)]) not in lefts:
                    out.append(p)
        return out
