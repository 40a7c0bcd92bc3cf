"""Loader of the embedded world's folder format (``atdt.data.world_format``, docs/world.md)."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from torch.utils.data import Dataset

from atdt.data.camera import camera_values
from atdt.data.encodings import decode_normals
from atdt.data.errors import DatasetError
from atdt.data.ids import read_split_list
from atdt.data.io import decode_depth_png, read_ids, read_png16, read_rgb
from atdt.data.labels import class_ids
from atdt.data.world_format import FORMAT, LABELS, read_info

def _read_label(kind: str, path: Path):
    if kind == "semantic":
        return class_ids(read_ids(path), path)
    if kind == "depth":
        return decode_depth_png(read_png16(path, "depth"))
    return decode_normals(read_png16(path, "normals", channels=3))


class WorldDataset(Dataset):
    """Samples of one split of a world dataset. A rendered world carries all three labels; a
    translated one (``atdt translate``, "B like A") those its ``world.json`` lists for the split."""

    def __init__(self, root, split: str):
        self.root = Path(root)
        info_path = self.root / "world.json"
        if not info_path.is_file():
            raise FileNotFoundError(f"{self.root} is not a world dataset (no world.json); create it with `atdt world make`")
        info = read_info(info_path, FORMAT)
        split_list = self.root / f"{split}.txt"
        if not split_list.is_file():
            have = sorted(p.stem for p in self.root.glob("*.txt"))
            raise FileNotFoundError(f"{self.root} has no split {split!r} (have: {', '.join(have) or 'none'})")
        self.split = split
        self.ids = read_split_list(split_list)
        self.names = [f"{split}/{i}" for i in self.ids]
        self.domain = f"world/{info['domain']}"
        # a translated dataset (atdt translate) states its labels per split and has no right views
        self.labels = frozenset(info["labels"].get(split, ())) if "labels" in info else LABELS
        self.stereo = info.get("stereo", True)

    def __len__(self) -> int:
        return len(self.ids)

    def _path(self, kind: str, i: int, suffix: str = ".png") -> Path:
        return self.root / self.split / kind / f"{self.ids[i]}{suffix}"

    def camera(self, i: int) -> dict:
        path = self._path("camera", i, ".json")
        try:
            meta = json.loads(path.read_text())
        except FileNotFoundError:
            raise DatasetError(path, "file is missing") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise DatasetError(path, f"invalid JSON ({err})") from None
        return camera_values(meta, path)

    def __getitem__(self, i: int) -> dict:
        image = read_rgb(self._path("image", i))
        sample = {"image": torch.from_numpy(image).permute(2, 0, 1).float().div_(255.0)}
        for kind in ("semantic", "depth", "normals"):
            if kind not in self.labels:
                continue
            label = _read_label(kind, self._path(kind, i))  # HxW, normals HxWx3
            if label.shape[:2] != image.shape[:2]:
                raise DatasetError(self._path(kind, i), f"size {label.shape[:2]} differs from the image's {image.shape[:2]}")
            sample[kind] = torch.from_numpy(label) if kind != "normals" else torch.from_numpy(label).permute(2, 0, 1).contiguous()
        return {**sample, "camera": self.camera(i), "name": self.names[i]}

    def read_right(self, i: int):
        """Sample i's right view (uint8 HxWx3); ValueError (not a DatasetError) when it has none."""
        if not self.stereo:
            raise ValueError(f"{self.domain} has no right views (a translated, monocular dataset)")
        return read_rgb(self._path("right", i))

    def read_stereo(self, i: int):
        right = self.read_right(i)
        left = read_rgb(self._path("image", i))
        if left.shape != right.shape:
            raise DatasetError(self._path("right", i), f"size {right.shape[:2]} differs from the left image's {left.shape[:2]}")
        return left, right, self.camera(i)

    def files(self, i: int) -> list[Path]:
        """Every file sample i reads (for data manifests)."""
        kinds = ["image", *(["right"] if self.stereo else []), *(k for k in ("semantic", "depth", "normals") if k in self.labels)]
        return [self._path(kind, i) for kind in kinds] + [self._path("camera", i, ".json")]

    def orphans(self) -> list[Path]:
        """Files in the split's folders that belong to no listed sample (unpaired files)."""
        listed = set(self.ids)
        return sorted(p for p in (self.root / self.split).glob("*/*")
                      if p.is_file() and not p.name.startswith(".") and p.stem not in listed)
