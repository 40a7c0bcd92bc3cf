"""Write "B like A" (the paper's *CityscapesLikeCarla*, supp. Sec. 1.4 and Fig. 2): every image
of B's splits translated by CycleGAN's B->A generator, at B's own resolution, with B's labels and
cameras unchanged, in the world's folder format (docs/world.md) so that
``load_dataset("world", root, split)`` reads it.

- From a world-format B, label PNGs and camera JSON files are copied byte for byte.
- From any other format, the labels B's loader yields are written in the world's encodings
  (semantic class ids as 8-bit PNG, depth in metres x 256 as 16-bit PNG, normals as in the world);
  they load back equal, depth to within its 1/256 m step.
- B's stereo proxy depth (``depth_root``) is copied to ``<root>-proxy`` under the new sample
  names; for a world B the names are unchanged, so B's own proxy folder serves as well.
- No right views are written: "B like A" is monocular (``world.json`` says ``"stereo": false``).

Samples are written atomically, each finished by its camera file, so a killed write resumes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from atdt.config import DataConfig
from atdt.data import open_split
from atdt.data.encodings import encode_normals
from atdt.data.ids import leaves_folder
from atdt.data.io import encode_depth_png, output_path, write_bytes, write_image
from atdt.data.world_format import FORMAT, VERSION, read_info

LABEL_KINDS = ("semantic", "depth", "normals")


def sample_id(name: str, split: str) -> str:
    """A sample's id inside ``split`` of the world format: its name without the ``split/`` prefix."""
    rel = name[len(split) + 1 :] if name.startswith(f"{split}/") else name
    if any(c.isspace() for c in rel) or leaves_folder(rel):
        raise ValueError(f"sample name {name!r} cannot be a file name of the world format (empty, spaces, or leaves the folder)")
    return rel


@torch.no_grad()
def translate_image(generator, image: torch.Tensor, device) -> np.ndarray:
    """(3,H,W) in [0,1] -> uint8 HxWx3 RGB, through ``generator`` (which works in [-1,1])."""
    y = generator(image.unsqueeze(0).to(device) * 2.0 - 1.0)[0]
    return ((y.float() + 1.0) * 127.5).round().clamp(0, 255).to(torch.uint8).permute(1, 2, 0).cpu().numpy()


def _encoded_labels(sample: dict, labels) -> dict[str, np.ndarray]:
    out = {}
    if "semantic" in labels:
        out["semantic"] = sample["semantic"].numpy().astype(np.uint8)  # ids 0..10 and 255
    if "depth" in labels:
        out["depth"] = encode_depth_png(sample["depth"].numpy())
    if "normals" in labels:
        out["normals"] = encode_normals(sample["normals"].permute(1, 2, 0).numpy())
    return out


def _target(root: Path, split: str, kind: str, sid: str, suffix: str = ".png") -> Path:
    """Where a sample's file goes: inside ``root`` whatever the id (``output_path``)."""
    return output_path(root, f"{split}/{kind}/{sid}{suffix}")


def _check_root(root: Path, info: dict) -> None:
    path = root / "world.json"
    if path.is_file():
        old = read_info(path, FORMAT)
        if old.get("translation") != info["translation"]:
            raise ValueError(f"{root} holds another translation ({old.get('translation')}); "
                             "delete it or write elsewhere")


def write_b_like_a(generator, data_b: DataConfig, root, *, domain: str, splits: list[str], device, source: dict,
                   progress: bool = True) -> dict:
    """Translate every sample of ``splits`` of domain B into ``root``; returns
    {"root", "proxy" (folder or None), "splits": {split: count}, "labels": {split: [...]}}."""
    root = Path(root)
    proxy = Path(f"{root}-proxy") if data_b.depth_root is not None else None
    generator = generator.to(device).eval()
    datasets = {s: open_split(data_b, s) for s in splits}  # every sample of each (that loads, with skip_bad)
    labels = {s: sorted(set(ds.labels) & set(LABEL_KINDS)) for s, ds in datasets.items()}
    first = next(iter(datasets.values()))[0]["image"]
    info = {"format": FORMAT, "version": VERSION, "domain": domain, "size": list(first.shape[-2:]),
            "labels": labels, "stereo": False, "translation": source}
    _check_root(root, info)
    root.mkdir(parents=True, exist_ok=True)
    write_bytes(root / "world.json", json.dumps(info, indent=1).encode())
    counts = {}
    for split, ds in datasets.items():
        for stale in (root / split).glob("*/.*.tmp"):  # left by a killed write; the sample is redone
            stale.unlink()
        ids = [sample_id(name, split) for name in ds.names]
        for i in tqdm(range(len(ds)), desc=f"B like A {split}", unit="img", file=sys.stderr, disable=not progress):
            sid, name = ids[i], ds.names[i]
            camera_path = _target(root, split, "camera", sid, ".json")
            if proxy is not None:
                label, copy = Path(data_b.depth_root) / f"{name}.png", output_path(proxy, f"{split}/{sid}.png")
                if label.is_file() and not copy.is_file():
                    write_bytes(copy, label.read_bytes())
            if camera_path.is_file():  # finished before (the camera file is written last)
                continue
            sample = ds[i]
            write_image(_target(root, split, "image", sid), translate_image(generator, sample["image"], device))
            source_dir = Path(data_b.root) / split
            if data_b.name == "world":  # the same format: the files themselves, byte for byte
                for kind in labels[split]:
                    write_bytes(_target(root, split, kind, sid), (source_dir / kind / f"{sid}.png").read_bytes())
                write_bytes(camera_path, (source_dir / "camera" / f"{sid}.json").read_bytes())
                continue
            for kind, array in _encoded_labels(sample, labels[split]).items():
                write_image(_target(root, split, kind, sid), array)
            write_bytes(camera_path, json.dumps(sample["camera"]).encode())
        write_bytes(output_path(root, f"{split}.txt"), "".join(sid + "\n" for sid in ids).encode())
        counts[split] = len(ids)
    return {"root": str(root), "proxy": str(proxy) if proxy is not None else None, "splits": counts, "labels": labels}
