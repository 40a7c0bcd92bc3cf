"""Replace a dataset's depth labels by stereo proxy labels written by ``atdt proxy-depth``."""

from __future__ import annotations

from pathlib import Path

import torch
from torch.utils.data import Dataset

from atdt.data.errors import DatasetError
from atdt.data.io import decode_depth_png, read_png16


class ProxyDepth(Dataset):
    def __init__(self, dataset, depth_root):
        self.dataset, self.depth_root = dataset, Path(depth_root)
        if not self.depth_root.is_dir():
            raise FileNotFoundError(f"proxy depth folder {self.depth_root} does not exist; create it with `atdt proxy-depth`")
        self.names, self.domain = dataset.names, f"{dataset.domain}+proxy"
        self.labels = frozenset(dataset.labels | {"depth"})

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, i: int) -> dict:
        sample = self.dataset[i]
        path = self.depth_root / f"{self.names[i]}.png"
        depth = decode_depth_png(read_png16(path, "proxy depth"))
        if depth.shape != tuple(sample["image"].shape[-2:]):
            raise DatasetError(path, f"size {depth.shape} differs from the image's {tuple(sample['image'].shape[-2:])}")
        sample["depth"] = torch.from_numpy(depth)
        return sample

    def files(self, i: int) -> list[Path]:
        return [*self.dataset.files(i), self.depth_root / f"{self.names[i]}.png"]

    def __getattr__(self, name):  # read_stereo and friends of the wrapped dataset
        if name == "dataset":
            raise AttributeError(name)
        return getattr(self.dataset, name)


def with_proxy_depth(dataset, depth_root) -> ProxyDepth:
    return ProxyDepth(dataset, depth_root)
