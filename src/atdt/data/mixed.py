"""Training sets for the loop: several domains side by side, with a sampler whose every batch
holds equal shares of each domain (N1 of AT/DT sees A and B in every batch, so batch-norm
statistics cover both, paper Sec. 3.3), deterministic per seed and epoch, and DDP-aware."""

from __future__ import annotations

import bisect
import itertools

import torch
from torch.utils.data import Dataset, Sampler

from atdt.data.transforms import augment


def concat_offsets(datasets) -> list[int]:
    """The first index of each dataset in their concatenation, then its total length."""
    return list(itertools.accumulate((len(d) for d in datasets), initial=0))


def locate(offsets: list[int], index: int) -> tuple[int, int]:
    """(which dataset, index within it) of ``index`` in a concatenation with ``offsets``."""
    domain = bisect.bisect_right(offsets, index) - 1
    return domain, index - offsets[domain]


class SideBySide(Dataset):
    """Domains side by side, as MixedSampler draws from them: item ``index`` (or ``(index,
    augmentation seed)``) is sample ``sample(domain, index within it, seed)`` of its domain, with
    ``domain``, the index of its dataset."""

    def __init__(self, datasets: list):
        self.offsets = concat_offsets(datasets)

    @property
    def sizes(self) -> list[int]:
        return [end - start for start, end in zip(self.offsets, self.offsets[1:])]

    def __len__(self) -> int:
        return self.offsets[-1]

    def __getitem__(self, item):
        index, seed = item if isinstance(item, tuple) else (item, item)
        domain, within = locate(self.offsets, index)
        sample = self.sample(domain, within, seed)
        sample["domain"] = domain
        return sample

    def sample(self, domain: int, index: int, seed: int) -> dict:
        raise NotImplementedError


class TrainingSet(SideBySide):
    """Concatenated domains; an item keeps only the image and the label keys the task needs (so
    domains with other labels still collate), cropped, flipped and recoloured by its seed."""

    def __init__(self, datasets: list, keys: tuple[str, ...], *, crop=None, flip: bool = False, photometric: bool = False):
        super().__init__(datasets)
        self.datasets = list(datasets)
        for d in self.datasets:
            missing = [k for k in keys if k != "image" and k not in d.labels]
            if missing:
                raise ValueError(f"dataset {d.domain} has no {', '.join(missing)} labels (it has: {', '.join(sorted(d.labels))})")
        self.keys = ("image", *keys)
        self.crop, self.flip, self.photometric = crop, flip, photometric

    def sample(self, domain: int, index: int, seed: int) -> dict:
        sample = self.datasets[domain][index]
        sample = {k: sample[k] for k in self.keys}
        if self.crop is not None or self.flip or self.photometric:
            sample = augment(sample, crop=self.crop, flip=self.flip, photometric_aug=self.photometric, seed=seed)
        return sample


class MixedSampler(Sampler):
    """Yields (index, augmentation seed) in batch order: each batch of ``batch_size`` holds
    ``batch_size / len(sizes)`` items of every domain. One epoch = enough batches to see the
    largest domain once. ``start_batch`` skips batches already trained on (exact resume). Under
    DDP ``batch_size`` is one process's part of the global batch (``rank`` of ``world_size``)."""

    def __init__(self, sizes: list[int], batch_size: int, seed: int = 0, *, rank: int = 0, world_size: int = 1):
        if batch_size % len(sizes):
            raise ValueError(f"batch size {batch_size} must be a multiple of the number of domains ({len(sizes)})")
        if min(sizes) == 0:
            raise ValueError(f"every domain needs samples, got sizes {sizes}")
        self.sizes, self.batch_size, self.seed = list(sizes), batch_size, seed
        self.rank, self.world_size = rank, world_size
        self.share = batch_size // len(sizes)
        self.batches_per_epoch = max(1, max(sizes) // self.share // world_size)
        self.epoch, self.start_batch = 0, 0

    def set_position(self, epoch: int, start_batch: int = 0) -> None:
        self.epoch, self.start_batch = epoch, start_batch

    def __len__(self) -> int:
        return (self.batches_per_epoch - self.start_batch) * self.batch_size

    def _domain_stream(self, d: int, count: int, g: torch.Generator) -> torch.Tensor:
        reps = -(-count // self.sizes[d])
        return torch.cat([torch.randperm(self.sizes[d], generator=g) for _ in range(reps)])[:count]

    def __iter__(self):
        # Drawn as for one process with the global batch (batch_size x world_size): rank r takes
        # the r-th slice of every domain's share of each global batch, with the items'
        # augmentation seeds, so the processes together train on exactly the batches (and
        # augmentations) one process would, whatever their number.
        g = torch.Generator().manual_seed(self.seed * 100_003 + self.epoch)
        global_share = self.share * self.world_size
        offsets = [sum(self.sizes[:d]) for d in range(len(self.sizes))]
        count = self.batches_per_epoch * global_share
        streams = [self._domain_stream(d, count, g) + offsets[d] for d in range(len(self.sizes))]
        seeds = torch.randint(0, 2**31 - 1, (self.batches_per_epoch, len(self.sizes) * global_share), generator=g)
        for b in range(self.start_batch, self.batches_per_epoch):
            for d in range(len(self.sizes)):
                for j in range(self.rank * self.share, (self.rank + 1) * self.share):
                    yield int(streams[d][b * global_share + j]), int(seeds[b, d * global_share + j])
