"""Any dataset atdt reads -> the folder format of your own data (atdt.data.folder). The worked
example of docs/datasets.md turns a world domain into one with it (`atdt data export`); it is also
the template for converting other data: one file per kind and sample, a split list, a label map.

What it writes: images/ and right/ (PNG), semantic/ (8-bit values 1..11 for the classes and 0 for
unlabelled, as many datasets count, with the labels.yaml that maps them back), depth/ (uint16 PNG,
metres x 256), normals/ (the world's 16-bit encoding), cameras/<id>.json, splits/<split>.txt and
folder.yaml. The ids are the samples' names (e.g. train/000000), so splits never collide.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from tqdm import tqdm

from atdt.data.classes import CLASSES, IGNORE_INDEX
from atdt.data.encodings import encode_normals
from atdt.data.io import encode_depth_png, write_bytes, write_image

UNLABELLED = 0  # the value of "no class" in the written semantic PNGs; class c is written as c + 1


def label_map_text() -> str:
    lines = ["# label value in semantic/ -> an atdt class or ignore (docs/datasets.md, \"Your own data\")",
             f"{UNLABELLED}: ignore"]
    return "\n".join([*lines, *(f"{i + 1}: {name}" for i, name in enumerate(CLASSES))]) + "\n"


def _semantic_values(semantic) -> np.ndarray:
    ids = np.asarray(semantic)
    return np.where(ids == IGNORE_INDEX, UNLABELLED, ids + 1).astype(np.uint8)


def _uint8_image(image) -> np.ndarray:  # (3, H, W) float in [0, 1] -> HxWx3 uint8
    return (np.asarray(image).transpose(1, 2, 0) * 255.0).round().clip(0, 255).astype(np.uint8)


def export_folder(splits: dict, out, *, domain: str, progress: bool = True) -> dict:
    """Write ``splits`` (split name -> dataset) to ``out`` in the folder format, every label the
    datasets carry and their right views where they have them; returns {split: sample count}."""
    out = Path(out)
    written: dict[str, str] = {}  # id -> split: two splits writing one id would overwrite each other
    counts = {}
    for split, dataset in splits.items():
        ids = []
        for i in tqdm(range(len(dataset)), desc=f"export {split}", unit="img", file=sys.stderr, disable=not progress):
            sample = dataset[i]
            sid = sample["name"]
            if sid in written:
                raise ValueError(f"sample id {sid!r} of split {split!r} is also in split {written[sid]!r}")
            written[sid] = split
            write_image(out / "images" / f"{sid}.png", _uint8_image(sample["image"]))
            try:
                _left, right, _camera = dataset.read_stereo(i)
                write_image(out / "right" / f"{sid}.png", right)
            except ValueError:  # a monocular dataset: no right/ folder
                pass
            if "semantic" in sample:
                write_image(out / "semantic" / f"{sid}.png", _semantic_values(sample["semantic"]))
            if "depth" in sample:
                write_image(out / "depth" / f"{sid}.png", encode_depth_png(sample["depth"].numpy()))
            if "normals" in sample:
                write_image(out / "normals" / f"{sid}.png", encode_normals(sample["normals"].numpy().transpose(1, 2, 0)))
            write_bytes(out / "cameras" / f"{sid}.json", json.dumps(sample["camera"]).encode())
            ids.append(sid)
        write_bytes(out / "splits" / f"{split}.txt", "".join(f"{sid}\n" for sid in ids).encode())
        counts[split] = len(ids)
    write_bytes(out / "folder.yaml", f"domain: {json.dumps(domain)}\ndepth_scale: 256  # depth PNG value per metre\n".encode())
    write_bytes(out / "labels.yaml", label_map_text().encode())
    return counts
