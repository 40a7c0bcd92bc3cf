"""CARLA 0.8.x renders: ``ROOT/SPLIT/{rgb,rgb_right,depth,semantic}/NAME.png``; 24-bit RGB depth
(x 1000 m), semantic tags in the red channel, sky = pixels at the far plane (depth > 100 m).
The focal length depends on the render: 859.238 px is the authors' (pass ``fx`` for others)."""

from __future__ import annotations

from pathlib import Path

from atdt.data.classes import CLASSES, MAX_DEPTH
from atdt.data.encodings import rgb24_to_depth
from atdt.data.files import FileDataset, Record, require_dir, strict_ids
from atdt.data.io import read_image, read_rgb

FOCAL = 859.238


class CarlaDataset(FileDataset):
    domain = "carla"

    def __init__(self, root, split: str, fx: float = FOCAL, baseline: float = 0.0):
        base = Path(root) / split
        images = require_dir(base / "rgb", "CARLA rgb")
        records = [Record(name=f"{split}/{p.stem}", image=p, right=base / "rgb_right" / p.name,
                          semantic=base / "semantic" / p.name, depth=base / "depth" / p.name)
                   for p in sorted(images.glob("*.png"))]
        labels = {k for k in ("semantic", "depth") if (base / k).is_dir()}
        super().__init__(records, labels)
        self.fx, self.baseline = fx, baseline

    def read_camera(self, record: Record, image_shape) -> dict:
        h, w = image_shape
        return {"fx": self.fx, "fy": self.fx, "cx": w / 2, "cy": h / 2, "baseline": self.baseline}

    def read_semantic(self, record: Record, image_shape):
        tags = read_image(record.semantic)
        classes = strict_ids(tags[..., 0] if tags.ndim == 3 else tags, "carla", record.semantic)
        if record.depth is not None and record.depth.is_file():
            classes[rgb24_to_depth(read_rgb(record.depth)) > MAX_DEPTH] = CLASSES.index("sky")
        return classes

    def read_depth(self, record: Record, camera: dict, image_shape):
        return rgb24_to_depth(read_rgb(record.depth))
