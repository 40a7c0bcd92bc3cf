"""Subsets of a dataset: the first N samples (the paper's low-data regime, 200 KITTI images) and
the samples that load (``skip_bad``: what `atdt data check --skip-bad` reports as skipped)."""

from __future__ import annotations

from torch.utils.data import Dataset

from atdt.data.errors import DatasetError


class Selected(Dataset):
    """The samples ``indices`` of ``dataset``, renumbered 0..len-1; everything else is forwarded."""

    def __init__(self, dataset, indices: list[int]):
        self.dataset, self.indices = dataset, list(indices)
        self.names = [dataset.names[i] for i in self.indices]
        self.domain, self.labels = dataset.domain, dataset.labels

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, i: int) -> dict:
        if not 0 <= i < len(self.indices):
            raise IndexError(i)
        return self.dataset[self.indices[i]]

    def read_stereo(self, i: int):
        return self.dataset.read_stereo(self.indices[i])

    def read_right(self, i: int):
        return self.dataset.read_right(self.indices[i])

    def files(self, i: int):
        return self.dataset.files(self.indices[i])

    def __getattr__(self, name):
        if name == "dataset":
            raise AttributeError(name)
        return getattr(self.dataset, name)


class FirstN(Selected):
    def __init__(self, dataset, n: int):
        if n < 1:
            raise ValueError(f"limit must be >= 1, got {n}")
        if n > len(dataset):
            raise ValueError(f"limit {n} exceeds the {len(dataset)} samples of {dataset.domain}")
        super().__init__(dataset, range(n))
        self.n = n


def first_n(dataset, n: int) -> FirstN:
    return FirstN(dataset, n)


def load_sample(dataset, i: int):
    """(sample, None) if sample i loads, else (None, its problem): what `atdt data check` and
    ``skip_bad`` call a bad sample."""
    try:
        return dataset[i], None
    except DatasetError as err:
        return None, str(err)
    except Exception as err:  # a loader bug must not stop a check: report it with the sample
        return None, f"{dataset.names[i]}: unexpected {type(err).__name__} while loading ({err})"


def skip_bad(dataset) -> Selected:
    """The samples of ``dataset`` that load; ``.skipped`` lists the problems of the others.
    Reads every sample once, as `atdt data check` does."""
    good, bad = [], []
    for i in range(len(dataset)):
        problem = load_sample(dataset, i)[1]
        if problem is None:
            good.append(i)
        else:
            bad.append(problem)
    if not good:
        raise ValueError(f"{dataset.domain}: no sample loads ({len(bad)} bad; first: {bad[0] if bad else '-'})")
    selected = Selected(dataset, good)
    selected.skipped = bad
    return selected
