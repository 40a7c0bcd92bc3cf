"""The low-data regime: keep only the first N samples (the paper's 200 KITTI images)."""

from __future__ import annotations

from torch.utils.data import Dataset


class FirstN(Dataset):
    def __init__(self, dataset, n: int):
        if n < 1:
            raise ValueError(f"limit must be >= 1, got {n}")
        if n > len(dataset):
            raise ValueError(f"limit {n} exceeds the {len(dataset)} samples of {dataset.domain}")
        self.dataset, self.n = dataset, n
        self.names, self.domain, self.labels = dataset.names[:n], dataset.domain, dataset.labels

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> dict:
        if not 0 <= i < self.n:
            raise IndexError(i)
        return self.dataset[i]

    def __getattr__(self, name):
        if name == "dataset":
            raise AttributeError(name)
        return getattr(self.dataset, name)


def first_n(dataset, n: int) -> FirstN:
    return FirstN(dataset, n)
