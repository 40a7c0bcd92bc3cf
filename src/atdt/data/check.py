"""Dataset checks: counts per split, missing or unpaired files, unreadable images, label ids
outside the table, wrong image modes (RGB semantics, 8-bit depth), size mismatches, empty
splits. Every problem is reported with its file, in the words the loaders raise it with:
the check runs the loaders themselves, so what passes here loads in training."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from atdt.data.errors import DatasetError

SPLITS = {"world": ("train", "val", "test"), "cityscapes": ("train", "val", "test"), "kitti": ("training", "testing"),
          "synthia": ("train", "val", "test"), "carla": ("train", "val", "test"), "filelist": ("train", "val", "test")}


@dataclass
class SplitReport:
    split: str
    samples: int = 0
    bad: list[str] = field(default_factory=list)  # "path: problem"
    missing: str | None = None  # why the split could not be opened
    bad_samples: int = 0  # samples that fail to load (what skip_bad leaves out of training)

    @property
    def usable(self) -> bool:
        """Opened, and at least one sample loads."""
        return self.missing is None and self.samples > self.bad_samples


def _load(dataset, i: int) -> str | None:
    """None if sample i loads, else its problem."""
    try:
        dataset[i]
    except DatasetError as err:
        return str(err)
    except Exception as err:  # a loader bug must not stop the check: report it with the sample
        return f"{dataset.names[i]}: unexpected {type(err).__name__} while loading ({err})"
    return None


def check_split(name: str, root, split: str, progress: bool = True, **options) -> SplitReport:
    from tqdm import tqdm

    from atdt.data import load_dataset

    report = SplitReport(split)
    try:
        dataset = load_dataset(name, root, split, **options)
    except DatasetError as err:  # the split is there but unusable (an id leaving the folder): a problem
        report.bad.append(str(err))
        return report
    except (FileNotFoundError, ValueError) as err:
        report.missing = str(err)
        return report
    report.samples = len(dataset)
    if not len(dataset):
        report.bad.append(f"{root}: split {split!r} is empty (no samples)")
    stereo = True
    for i in tqdm(range(len(dataset)), desc=f"check {split}", unit="img", file=sys.stderr, disable=not progress, leave=False):
        problem = _load(dataset, i)
        if problem is not None:
            report.bad.append(problem)
            report.bad_samples += 1
            continue
        if stereo:
            try:
                dataset.read_stereo(i)
            except DatasetError as err:
                report.bad.append(str(err))
            except ValueError:
                stereo = False  # the format has no right view
    if hasattr(dataset, "orphans"):
        report.bad += [f"{p}: no matching left image (unpaired file)" for p in dataset.orphans()]
    return report


def check_dataset(name: str, root, split: str | None = None, progress: bool = True, **options) -> list[SplitReport]:
    splits = (split,) if split else SPLITS.get(name, ("train", "val", "test"))
    return [check_split(name, root, s, progress, **options) for s in splits]


def good_indices(dataset) -> tuple[list[int], list[str]]:
    """Indices of samples that load, and the problems of those that do not (skip_bad)."""
    good, bad = [], []
    for i in range(len(dataset)):
        problem = _load(dataset, i)
        if problem is None:
            good.append(i)
        else:
            bad.append(problem)
    return good, bad
