"""SYNTHIA-SF: ``SEQ1..SEQ6/{RGBLeft,RGBRight,DepthLeft,GTLeft}``, 1920x1080, 24-bit RGB depth
(x 1000 m), class ids in the R channel of GTLeft. Split as the authors' release: SEQ2, 4, 5, 6
train and SEQ3 val; we use SEQ1 as test (the release names none)."""

from __future__ import annotations

from pathlib import Path

from atdt.data.encodings import rgb24_to_depth
from atdt.data.files import FileDataset, Record, require_dir, strict_ids
from atdt.data.io import read_image, read_rgb

SPLITS = {"train": (2, 4, 5, 6), "val": (3,), "test": (1,)}
CAMERA = {"fx": 847.630, "fy": 847.630, "cx": 960.0, "cy": 540.0}


class SynthiaDataset(FileDataset):
    domain = "synthia"

    def __init__(self, root, split: str, baseline: float = 0.0):
        if split not in SPLITS:
            raise ValueError(f"unknown SYNTHIA-SF split {split!r}; choose one of: {', '.join(SPLITS)}")
        root = Path(root)
        records = []
        for seq in SPLITS[split]:
            folder = require_dir(root / f"SEQ{seq}" / "RGBLeft", f"SYNTHIA-SF SEQ{seq}")
            for path in sorted(folder.glob("*.png")):
                base = root / f"SEQ{seq}"
                records.append(Record(name=f"SEQ{seq}/{path.stem}", image=path, right=base / "RGBRight" / path.name,
                                      semantic=base / "GTLeft" / path.name, depth=base / "DepthLeft" / path.name))
        super().__init__(records, {"semantic", "depth"})
        self.baseline = baseline  # not documented by the dataset: give it to use the right view

    def read_camera(self, record: Record, image_shape) -> dict:
        return {**CAMERA, "baseline": self.baseline}

    def read_semantic(self, record: Record, image_shape):
        return strict_ids(read_image(record.semantic)[..., 0] if read_image(record.semantic).ndim == 3
                          else read_image(record.semantic), "synthia", record.semantic)

    def read_depth(self, record: Record, camera: dict, image_shape):
        return rgb24_to_depth(read_rgb(record.depth))
