"""The authors' file lists: one sample a line, ``left;right;semantic;depth[;normals]``, paths
relative to ROOT; the list is ``ROOT/SPLIT.txt`` (or ``list=PATH``). Their encodings are options:
``semantic_encoding`` = carla (tags in R) | synthia | cityscapes | ids (already 0..10, 255);
``depth_encoding`` = rgb24 (CARLA/SYNTHIA x 1000 m) | png16 (metres x 256)."""

from __future__ import annotations

from pathlib import Path

from atdt.data.encodings import rgb24_to_depth
from atdt.data.errors import DatasetError
from atdt.data.files import FileDataset, Record, strict_ids
from atdt.data.ids import check_id, refuse_repeats
from atdt.data.io import decode_depth_png, read_image, read_png16, read_rgb
from atdt.data.labels import class_ids

SEMANTIC = ("carla", "synthia", "cityscapes", "ids")
DEPTH = ("rgb24", "png16")


class FileListDataset(FileDataset):
    domain = "filelist"

    def __init__(self, root, split: str, list: str | None = None, semantic_encoding: str = "carla",
                 depth_encoding: str = "rgb24", fx: float = 0.0, baseline: float = 0.0):
        if semantic_encoding not in SEMANTIC or depth_encoding not in DEPTH:
            raise ValueError(f"encodings: semantic one of {', '.join(SEMANTIC)}; depth one of {', '.join(DEPTH)}")
        root = Path(root)
        list_path = Path(list) if list else root / f"{split}.txt"
        if not list_path.is_file():
            raise FileNotFoundError(f"file list {list_path} does not exist")
        try:
            lines = list_path.read_text().splitlines()
        except UnicodeDecodeError:
            raise DatasetError(list_path, "not a text file (a file list names one sample a line)") from None
        records, labels = [], {"semantic", "depth"}
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            parts = line.strip().split(";")
            if len(parts) < 2:
                raise DatasetError(list_path, f"line {n}: expected left;right;semantic;depth[;normals], got {line!r}")
            parts += [""] * (4 - len(parts))
            left, right, semantic, depth = (root / check_id(p, list_path, "path", n) if p else None for p in parts[:4])
            if semantic is None:
                labels.discard("semantic")
            if depth is None:
                labels.discard("depth")
            records.append(Record(name=f"{split}/{n:06d}", image=left, right=right, semantic=semantic, depth=depth))
        refuse_repeats((r.image for r in records if r.image is not None), list_path, "left image(s)")
        super().__init__(records, labels)
        self.semantic_encoding, self.depth_encoding, self.fx, self.baseline = semantic_encoding, depth_encoding, fx, baseline

    def orphans(self) -> list[Path]:
        return []  # a list names its files; others in the same folders may belong to other lists

    def read_camera(self, record: Record, image_shape) -> dict:
        h, w = image_shape
        return {"fx": self.fx, "fy": self.fx, "cx": w / 2, "cy": h / 2, "baseline": self.baseline}

    def read_semantic(self, record: Record, image_shape):
        raw = read_image(record.semantic)
        ids = raw[..., 0] if raw.ndim == 3 else raw
        if self.semantic_encoding == "ids":
            return class_ids(ids, record.semantic)
        return strict_ids(ids, self.semantic_encoding, record.semantic)

    def read_depth(self, record: Record, camera: dict, image_shape):
        if self.depth_encoding == "png16":
            return decode_depth_png(read_png16(record.depth, "depth"))
        return rgb24_to_depth(read_rgb(record.depth))
