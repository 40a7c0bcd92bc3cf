"""Dataset checks: what would later stop or spoil a training or an evaluation, found up front.

Per split (`atdt data check --help` says the same to the user): the split opens
(a malformed ``world.json`` or split list is named), it is not empty, no sample id or image is
listed twice, every sample loads (missing, unreadable or corrupt files, label ids outside the
class table, wrong image modes, label sizes that differ from their image, camera values that are
not finite or negative), stereo pairs match, no file is unpaired, every image has the split's
size, and each label the split carries has at least one valid pixel somewhere (a test split of
all-ignore labels would score NaN). Every problem is reported with its file, in the words the
loaders raise it with: the check runs the loaders themselves, so what passes here loads in training.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from atdt.data import load_dataset
from atdt.data.errors import DatasetError
from atdt.data.subset import load_sample
from atdt.tasks import TASKS

SPLITS = {"world": ("train", "val", "test"), "cityscapes": ("train", "val", "test"), "kitti": ("training", "testing"),
          "synthia": ("train", "val", "test"), "carla": ("train", "val", "test"), "filelist": ("train", "val", "test"),
          "folder": ("train", "val", "test")}  # a folder dataset: those its splits/ lists instead (splits_of)
MORE = 10  # problems of one kind listed per split before "... and N more"


@dataclass
class SplitReport:
    split: str
    samples: int = 0
    bad: list[str] = field(default_factory=list)  # "path: problem", at most MORE blocking ones of a kind
    missing: str | None = None  # why the split could not be opened (it does not exist)
    bad_samples: int = 0  # samples that fail to load (what skip_bad leaves out of training)
    unpaired: list[str] = field(default_factory=list)  # the lines of bad about unpaired files
    blocking: int = 0  # problems that skip_bad cannot leave out (sizes, no valid label, bad lists)
    problems: int = 0  # every problem found, those past MORE of a kind too

    @property
    def usable(self) -> bool:
        """Opened, at least one sample loads, and nothing but bad samples is wrong with what training reads."""
        return self.missing is None and self.samples > self.bad_samples and not self.blocking

    def add(self, lines: list[str]) -> None:
        self.bad += lines
        self.problems += len(lines)

    def block(self, lines: list[str]) -> None:
        """Problems skip_bad cannot leave out: each counted, at most MORE of them listed."""
        self.bad += lines[:MORE] + ([f"... and {len(lines) - MORE} more like these"] if len(lines) > MORE else [])
        self.problems += len(lines)
        self.blocking += len(lines)


def _odd_sizes(sizes: dict[str, tuple[int, int]]) -> list[str]:
    """Samples whose image size is not the split's most common one."""
    if len(set(sizes.values())) < 2:
        return []
    (common, count), = Counter(sizes.values()).most_common(1)
    return [f"{name}: image size {h}x{w} differs from the split's {common[0]}x{common[1]} ({count} of "
            f"{len(sizes)} images); batches need one size" for name, (h, w) in sizes.items() if (h, w) != common]


class _Labels:
    """Whether each label key of a split has a valid pixel somewhere, by the metrics' own rule (an
    accumulator fed the label as its own prediction scores nothing when no pixel is valid)."""

    def __init__(self, keys):
        self.metrics = {key: TASKS[key].accumulator() for key in sorted(keys) if key in TASKS}

    def update(self, sample: dict) -> None:
        for key, metric in self.metrics.items():
            if metric.count == 0 and key in sample:  # one valid pixel settles it
                metric.update(sample[key][None], sample[key][None])

    def problems(self, where: str, loaded: int) -> list[str]:
        return [f"{where}: no valid {key} label in any of its {loaded} loaded sample(s) ({TASKS[key].no_label}): nothing "
                "to train on or score" for key, metric in self.metrics.items() if metric.count == 0]


def check_split(name: str, root, split: str, progress: bool = True, **options) -> SplitReport:
    report = SplitReport(split)
    try:
        dataset = load_dataset(name, root, split, **options)
    except DatasetError as err:  # the split exists but its list or world.json is broken
        report.block([str(err)])
        return report
    except (FileNotFoundError, ValueError) as err:
        report.missing = str(err)
        return report
    report.samples = len(dataset)
    if not len(dataset):
        report.add([f"{root}: split {split!r} is empty (no samples)"])
    stereo, sizes, labels = True, {}, _Labels(dataset.labels)
    for i in tqdm(range(len(dataset)), desc=f"check {split}", unit="img", file=sys.stderr, disable=not progress, leave=False):
        sample, problem = load_sample(dataset, i)
        if problem is not None:
            report.add([problem])
            report.bad_samples += 1
            continue
        image = str(dataset.files(i)[0]) if hasattr(dataset, "files") else dataset.names[i]
        sizes[image] = tuple(sample["image"].shape[-2:])
        labels.update(sample)
        if stereo:
            try:
                dataset.read_stereo(i)
            except DatasetError as err:
                report.add([str(err)])
            except ValueError:
                stereo = False  # the format has no right view
    if hasattr(dataset, "orphans"):
        report.unpaired = [f"{p}: no matching left image (unpaired file)" for p in dataset.orphans()]
        report.add(report.unpaired)
    report.block(_odd_sizes(sizes))
    if sizes:
        report.block(labels.problems(f"{root}: split {split!r}", len(sizes)))
    return report


def splits_of(name: str, root) -> tuple[str, ...]:
    """The splits a check covers: a folder dataset's own (splits/*.txt), else the format's usual ones."""
    listed = sorted(p.stem for p in (Path(root) / "splits").glob("*.txt")) if name == "folder" else []
    return tuple(listed) or SPLITS.get(name, ("train", "val", "test"))


def check_dataset(name: str, root, split: str | None = None, progress: bool = True, **options) -> list[SplitReport]:
    reports = [check_split(name, root, s, progress, **options) for s in ((split,) if split else splits_of(name, root))]
    seen: set[str] = set()  # an unpaired file of folders several splits share is reported once
    for r in reports:
        repeated = seen.intersection(r.unpaired)
        seen.update(r.unpaired)
        r.bad = [line for line in r.bad if line not in repeated]
        r.problems -= len(repeated)
    return reports

