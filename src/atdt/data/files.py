"""The common reader behind every file-based format: a list of records (paths per sample) and
per-format decoders. Bad files raise DatasetError naming the file and the problem."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from atdt.data.camera import camera_values
from atdt.data.errors import DatasetError
from atdt.data.io import read_rgb
from atdt.data.labels import map_labels, unknown_ids

KITTI_EVAL_CROP = (320, 1216)  # the paper evaluates KITTI on this central crop


@dataclass(frozen=True)
class Record:
    name: str
    image: Path
    right: Path | None = None
    semantic: Path | None = None
    depth: Path | None = None
    normals: Path | None = None
    camera: dict | Path | None = None  # intrinsics, or a file to read them from
    extra: dict = field(default_factory=dict)


def central_crop(shape: tuple[int, int], size: tuple[int, int]) -> tuple[int, int]:
    """Top-left corner of a central crop of ``size`` in an image of ``shape``."""
    h, w = shape
    ch, cw = size
    if ch > h or cw > w:
        raise ValueError(f"crop {ch}x{cw} is larger than the image {h}x{w}")
    return (h - ch) // 2, (w - cw) // 2


class FileDataset(Dataset):
    """Subclasses set ``domain`` and implement ``read_semantic``, ``read_depth``, ``read_camera``
    (and ``read_normals``, HxWx3, where they carry normals)."""

    domain = "files"

    def __init__(self, records: list[Record], labels: set[str], crop: tuple[int, int] | None = None):
        self.records = records
        self.names = [r.name for r in records]
        self.labels = frozenset(labels)
        self.crop = crop

    def __len__(self) -> int:
        return len(self.records)

    def read_semantic(self, record: Record, image_shape) -> np.ndarray:
        raise NotImplementedError

    def read_depth(self, record: Record, camera: dict, image_shape) -> np.ndarray:
        raise NotImplementedError

    def read_normals(self, record: Record, image_shape) -> np.ndarray:
        raise NotImplementedError

    def read_camera(self, record: Record, image_shape) -> dict:
        raise NotImplementedError

    def _crop(self, arrays: dict, camera: dict) -> tuple[dict, dict]:
        if self.crop is None:
            return arrays, camera
        top, left = central_crop(arrays["image"].shape[:2], self.crop)
        h, w = self.crop
        arrays = {k: v[top : top + h, left : left + w] for k, v in arrays.items()}
        return arrays, {**camera, "cx": camera["cx"] - left, "cy": camera["cy"] - top}

    def __getitem__(self, i: int) -> dict:
        record = self.records[i]
        image = read_rgb(record.image)
        camera = self._camera(record, image.shape[:2])
        arrays = {"image": image}
        if "semantic" in self.labels:
            arrays["semantic"] = self.read_semantic(record, image.shape[:2])
        if "depth" in self.labels:
            arrays["depth"] = self.read_depth(record, camera, image.shape[:2])
        if "normals" in self.labels:
            arrays["normals"] = self.read_normals(record, image.shape[:2])
        for key, value in arrays.items():
            if value.shape[:2] != image.shape[:2]:
                path = getattr(record, key)
                raise DatasetError(path, f"size {value.shape[:2]} differs from the image's {image.shape[:2]} ({record.image})")
        arrays, camera = self._crop(arrays, camera)
        sample = {"image": torch.from_numpy(np.ascontiguousarray(arrays["image"])).permute(2, 0, 1).float().div_(255.0),
                  "camera": {k: float(camera[k]) for k in ("fx", "fy", "cx", "cy", "baseline")}, "name": record.name}
        if "semantic" in arrays:
            sample["semantic"] = torch.from_numpy(np.ascontiguousarray(arrays["semantic"]).astype(np.int64))
        if "depth" in arrays:
            sample["depth"] = torch.from_numpy(np.ascontiguousarray(arrays["depth"]).astype(np.float32))
        if "normals" in arrays:  # HxWx3 -> (3, H, W)
            sample["normals"] = torch.from_numpy(np.ascontiguousarray(arrays["normals"].transpose(2, 0, 1)).astype(np.float32))
        return sample

    def read_right(self, i: int) -> np.ndarray:
        """Sample i's right view (uint8 HxWx3); ValueError (not a DatasetError) when it has none."""
        record = self.records[i]
        if record.right is None:
            raise ValueError(f"{self.domain} sample {record.name} has no right image")
        if not record.right.is_file():
            raise DatasetError(record.right, "right image is missing (unpaired left image)")
        return read_rgb(record.right)

    def read_stereo(self, i: int):
        record = self.records[i]
        right = self.read_right(i)
        left = read_rgb(record.image)
        if left.shape != right.shape:
            raise DatasetError(record.right, f"size {right.shape[:2]} differs from the left image's {left.shape[:2]}")
        return left, right, self._camera(record, left.shape[:2])

    def _camera(self, record: Record, image_shape) -> dict:
        """read_camera's values, checked (finite, not negative; a focal length a file states > 0)."""
        source = record.camera if isinstance(record.camera, Path) else record.image
        return camera_values(self.read_camera(record, image_shape), source, focal=isinstance(record.camera, Path))

    def files(self, i: int) -> list[Path]:
        """Every file sample i may read (for data manifests)."""
        r = self.records[i]
        return [p for p in (r.image, r.right, r.semantic, r.depth, r.normals, r.camera) if isinstance(p, Path)]

    def orphans(self) -> list[Path]:
        """Right views and labels in the dataset's folders whose left image is missing (unpaired)."""
        used = {p for r in self.records for p in (r.right, r.semantic, r.depth, r.normals) if p is not None}
        folders = {p.parent for p in used}
        return sorted(p for folder in folders if folder.is_dir() for p in folder.glob("*.png") if p not in used)


def require_dir(path: Path, what: str) -> Path:
    if not path.is_dir():
        raise FileNotFoundError(f"{what} folder {path} does not exist")
    return path


def strict_ids(ids: np.ndarray, dataset: str, path: Path) -> np.ndarray:
    bad = unknown_ids(ids, dataset)
    if bad:
        raise DatasetError(path, f"label ids outside the {dataset} table: {bad[:10]}")
    return map_labels(ids, dataset)
