"""Loader of the embedded world's folder format (written by ``atdt world make``, docs/world.md)."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from torch.utils.data import Dataset

from atdt.data.errors import DatasetError
from atdt.data.io import decode_depth_png, read_ids, read_png16, read_rgb
from atdt.data.labels import class_ids

LABELS = frozenset({"semantic", "depth", "normals"})


class WorldDataset(Dataset):
    """Samples of one split of a world dataset; every world sample carries all three labels."""

    def __init__(self, root, split: str):
        from atdt.world.writer import FORMAT

        self.root = Path(root)
        info_path = self.root / "world.json"
        if not info_path.is_file():
            raise FileNotFoundError(f"{self.root} is not a world dataset (no world.json); create it with `atdt world make`")
        info = json.loads(info_path.read_text())
        if info.get("format") != FORMAT:
            raise DatasetError(info_path, f"format {info.get('format')!r} is not {FORMAT!r}")
        split_list = self.root / f"{split}.txt"
        if not split_list.is_file():
            have = sorted(p.stem for p in self.root.glob("*.txt"))
            raise FileNotFoundError(f"{self.root} has no split {split!r} (have: {', '.join(have) or 'none'})")
        self.split = split
        self.ids = split_list.read_text().split()
        self.names = [f"{split}/{i}" for i in self.ids]
        self.domain = f"world/{info['domain']}"
        self.labels = LABELS

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
        except json.JSONDecodeError as err:
            raise DatasetError(path, f"invalid JSON ({err})") from None
        return {k: float(meta[k]) for k in ("fx", "fy", "cx", "cy", "baseline")}

    def __getitem__(self, i: int) -> dict:
        from atdt.world.writer import decode_normals

        image = read_rgb(self._path("image", i))
        semantic = class_ids(read_ids(self._path("semantic", i)), self._path("semantic", i))
        depth = read_png16(self._path("depth", i), "depth")
        normals = read_png16(self._path("normals", i), "normals", channels=3)
        for kind, label in (("semantic", semantic), ("depth", depth), ("normals", normals)):
            if label.shape[:2] != image.shape[:2]:
                raise DatasetError(self._path(kind, i), f"size {label.shape[:2]} differs from the image's {image.shape[:2]}")
        return {
            "image": torch.from_numpy(image).permute(2, 0, 1).float().div_(255.0),
            "semantic": torch.from_numpy(semantic),
            "depth": torch.from_numpy(decode_depth_png(depth)),
            "normals": torch.from_numpy(decode_normals(normals)).permute(2, 0, 1).contiguous(),
            "camera": self.camera(i),
            "name": self.names[i],
        }

    def read_stereo(self, i: int):
        left, right = read_rgb(self._path("image", i)), read_rgb(self._path("right", i))
        if left.shape != right.shape:
            raise DatasetError(self._path("right", i), f"size {right.shape[:2]} differs from the left image's {left.shape[:2]}")
        return left, right, self.camera(i)

    def files(self, i: int) -> list[Path]:
        """Every file sample i reads (for data manifests)."""
        return [self._path(kind, i) for kind in ("image", "right", "semantic", "depth", "normals")] + [
            self._path("camera", i, ".json")]

    def orphans(self) -> list[Path]:
        """Files in the split's folders that belong to no listed sample (unpaired files)."""
        listed = set(self.ids)
        return sorted(p for p in (self.root / self.split).glob("*/*")
                      if p.is_file() and not p.name.startswith(".") and p.stem not in listed)
