"""Any dataset atdt reads -> the folder format of your own data (atdt.data.folder). The worked
example of docs/datasets.md turns a world domain into one with it (`atdt data export`); it is also
the template for converting other data: one file per kind and sample, a split list, a label map.

What it writes: images/ and right/ (PNG), semantic/ (8-bit values 1..11 for the classes and 0 for
unlabelled, as many datasets count, with the labels.yaml that maps them back), depth/ (uint16 PNG,
metres x 256), normals/ (the world's 16-bit encoding), cameras/<id>.json, splits/<split>.txt and
folder.yaml. The ids are the samples' names (e.g. train/000000), so splits never collide.
A camera without a focal length (fx = 0: a file list without its fx option, a folder without
cameras) gets no cameras/ file, which the folder format would refuse: the exported folder has the
unknown camera too.
"""

from __future__ import annotations

import json
import sys

import numpy as np
from tqdm import tqdm

from atdt.data.classes import CLASSES, IGNORE_INDEX
from atdt.data.encodings import encode_normals
from atdt.data.errors import DatasetError
from atdt.data.io import check_outputs, encode_depth_png, output_path, write_image, write_text

UNLABELLED = 0  # the value of "no class" in the written semantic PNGs; class c is written as c + 1
KINDS = ("images", "right", "semantic", "depth", "normals", "cameras")  # a file per sample each, if it has one


def label_map_text() -> str:
    lines = ["# label value in semantic/ -> an atdt class or ignore (docs/datasets.md, \"Your own data\")",
             f"{UNLABELLED}: ignore"]
    return "\n".join([*lines, *(f"{i + 1}: {name}" for i, name in enumerate(CLASSES))]) + "\n"


def _semantic_values(semantic) -> np.ndarray:
    ids = np.asarray(semantic)
    return np.where(ids == IGNORE_INDEX, UNLABELLED, ids + 1).astype(np.uint8)


def _uint8_image(image) -> np.ndarray:  # (3, H, W) float in [0, 1] -> HxWx3 uint8
    return (np.asarray(image).transpose(1, 2, 0) * 255.0).round().clip(0, 255).astype(np.uint8)


def _check_ids(splits: dict) -> None:
    """Every split's ids at once, before anything is written: two splits writing one id would
    overwrite each other's files."""
    seen: dict[str, str] = {}
    for split, dataset in splits.items():
        for sid in dataset.names:
            if sid in seen:
                raise ValueError(f"sample id {sid!r} of split {split!r} is also in split {seen[sid]!r}; nothing written")
            seen[sid] = split


def _right_view(dataset, i: int):
    """Sample i's right view, None where the format has none; a broken one (DatasetError) stops the export."""
    try:
        return dataset.read_right(i)
    except DatasetError:
        raise
    except ValueError:  # a monocular format: no right/ file
        return None


def export_folder(splits: dict, out, *, domain: str, progress: bool = True) -> dict:
    """Write ``splits`` (split name -> dataset) to ``out`` in the folder format, every label the
    datasets carry and their right views where they have them; returns {split: sample count}.
    Before anything is written, every file it may write is placed inside ``out`` (``output_path``)
    and checked to replace none of the files the datasets read (``check_outputs``)."""
    _check_ids(splits)
    targets = {split: [{kind: output_path(out, f"{kind}/{sid}{'.json' if kind == 'cameras' else '.png'}")
                        for kind in KINDS} for sid in dataset.names] for split, dataset in splits.items()}
    lists = {split: output_path(out, f"splits/{split}.txt") for split in splits}
    settings, label_map = output_path(out, "folder.yaml"), output_path(out, "labels.yaml")
    check_outputs([*(p for paths in targets.values() for sample in paths for p in sample.values()),
                   *lists.values(), settings, label_map],
                  [p for dataset in splits.values() for i in range(len(dataset)) for p in dataset.files(i)])
    for split, dataset in splits.items():
        for i in tqdm(range(len(dataset)), desc=f"export {split}", unit="img", file=sys.stderr, disable=not progress):
            sample, paths = dataset[i], targets[split][i]
            image = _uint8_image(sample["image"])
            write_image(paths["images"], image)
            right = _right_view(dataset, i)
            if right is not None:
                if right.shape != image.shape:
                    raise ValueError(f"{dataset.domain} sample {dataset.names[i]}: its right view's size "
                                     f"{right.shape[:2]} differs from its image's {image.shape[:2]}")
                write_image(paths["right"], right)
            if "semantic" in sample:
                write_image(paths["semantic"], _semantic_values(sample["semantic"]))
            if "depth" in sample:
                write_image(paths["depth"], encode_depth_png(sample["depth"].numpy()))
            if "normals" in sample:
                write_image(paths["normals"], encode_normals(sample["normals"].numpy().transpose(1, 2, 0)))
            if sample["camera"]["fx"] > 0 and sample["camera"]["fy"] > 0:  # else no focal length: no camera file
                write_text(paths["cameras"], json.dumps(sample["camera"]))
        write_text(lists[split], "".join(f"{sid}\n" for sid in dataset.names))
    write_text(settings, f"domain: {json.dumps(domain)}\ndepth_scale: 256  # depth PNG value per metre\n")
    write_text(label_map, label_map_text())
    return {split: len(dataset) for split, dataset in splits.items()}
