"""Datasets: every format yields the same dict samples (see docs/architecture.md).

``load_dataset(name, root, split)`` is the one entry point. Formats are imported lazily so
that ``import atdt.data`` stays cheap.
"""

from __future__ import annotations

import importlib

from atdt.data.classes import CLASSES, IGNORE_INDEX, MAX_DEPTH, NUM_CLASSES

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
    from atdt.data.ids import check_id

    check_id(str(split), root, "split")  # a split names files below root, like a sample id
    module_name, attr = FORMATS[name].split(":")
    dataset = getattr(importlib.import_module(module_name), attr)(root, split, **options)
    if depth_root is not None:
        from atdt.data.proxy import with_proxy_depth

        dataset = with_proxy_depth(dataset, depth_root)
    if skip_bad:
        from atdt.data.subset import skip_bad as without_bad

        dataset = without_bad(dataset)
    if limit is not None:
        from atdt.data.subset import first_n

        dataset = first_n(dataset, limit)
    return dataset


__all__ = ["CLASSES", "FORMATS", "IGNORE_INDEX", "MAX_DEPTH", "NUM_CLASSES", "load_dataset"]
