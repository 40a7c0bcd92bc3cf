"""Datasets: every format yields the same dict samples (see docs/architecture.md).

``load_dataset(name, root, split)`` is the one entry point, and ``open_split(data, split)`` the
one way to open a split of a domain as a config's ``DataConfig`` block describes it. A format's
module, and torch with it, is imported when a dataset is opened: `atdt world make` writes the
world format through atdt.data and forks its renderers before torch exists.
"""

from __future__ import annotations

import importlib

from atdt.config import DataConfig
from atdt.data.classes import CLASSES, IGNORE_INDEX, MAX_DEPTH, NUM_CLASSES
from atdt.data.ids import check_id

# format name -> "module:callable"; the callable takes (root, split, **options)
FORMATS: dict[str, str] = {
    "world": "atdt.data.world:WorldDataset",
    "cityscapes": "atdt.data.cityscapes:CityscapesDataset",
    "kitti": "atdt.data.kitti:KittiDataset",
    "synthia": "atdt.data.synthia:SynthiaDataset",
    "carla": "atdt.data.carla:CarlaDataset",
    "filelist": "atdt.data.filelist:FileListDataset",
    "folder": "atdt.data.folder:FolderDataset",  # your own data (docs/datasets.md)
}


def load_dataset(name: str, root, split: str, *, limit: int | None = None, depth_root=None, skip_bad: bool = False,
                 **options):
    """Open dataset ``name`` at ``root`` for ``split``.

    limit: keep only the first N samples (the paper's low-data regime, e.g. 200 KITTI images).
    depth_root: a folder written by ``atdt proxy-depth``; its depth labels replace the dataset's own.
    skip_bad: leave out the samples that fail to load (those `atdt data check` reports); reads
        every sample once. Without it a bad file stops training with its DatasetError.
    options: format-specific keyword arguments (e.g. ``crop="kitti_eval"`` for KITTI).
    """
    if name not in FORMATS:
        raise ValueError(f"unknown dataset {name!r}; choose one of: {', '.join(sorted(FORMATS))}")
    check_id(str(split), root, "split")  # a split names files below root, like a sample id
    module_name, attr = FORMATS[name].split(":")
    dataset = getattr(importlib.import_module(module_name), attr)(root, split, **options)
    from atdt.data.proxy import with_proxy_depth  # torch: see above
    from atdt.data.subset import first_n
    from atdt.data.subset import skip_bad as without_bad

    if depth_root is not None:
        dataset = with_proxy_depth(dataset, depth_root)
    if skip_bad:
        dataset = without_bad(dataset)
    if limit is not None:
        dataset = first_n(dataset, limit)
    return dataset


def open_split(data: DataConfig, split: str, *, train: bool = False):
    """Split ``split`` of the domain ``data`` describes: its format, root and options; without the
    samples that fail to load when ``data.skip_bad``; a training split (``train``) also keeps only
    the first ``data.limit`` samples and reads its depth from ``data.depth_root`` (proxy labels)."""
    return load_dataset(data.name, data.root, split, skip_bad=data.skip_bad, **data.options,
                        **({"limit": data.limit, "depth_root": data.depth_root} if train else {}))


__all__ = ["CLASSES", "FORMATS", "IGNORE_INDEX", "MAX_DEPTH", "NUM_CLASSES", "load_dataset", "open_split"]
