"""Write a world dataset to disk: resumable, atomic per file, parallel, with a summary and a
contact sheet. The folder layout is documented in docs/world.md and read by atdt.data.world."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import sys
from pathlib import Path

import numpy as np
from tqdm import tqdm

from atdt.data.classes import CLASSES
from atdt.data.encodings import decode_normals, encode_normals
from atdt.data.io import decode_depth_png, encode_depth_png, output_path, read_image, write_bytes, write_image
from atdt.data.world_format import FORMAT, VERSION, read_info
from atdt.world.domains import get_domain
from atdt.world.render import check_size, render

KINDS = ("image", "right", "depth", "semantic", "normals")


def sample_id(index: int) -> str:
    return f"{index:06d}"


def _write_sample(job: tuple) -> dict:
    domain, split, index, size, out = job
    sid = sample_id(index)

    def target(kind: str, suffix: str = ".png") -> Path:  # inside out, even where a folder is a link
        return output_path(out, f"{split}/{kind}/{sid}{suffix}")

    meta_path = target("camera", ".json")
    if meta_path.is_file():  # finished before (the JSON is written last): reuse its statistics
        return json.loads(meta_path.read_text())["stats"]
    s = render(domain, index, split, size)
    write_image(target("image"), s["image"])
    write_image(target("right"), s["right_image"])
    write_image(target("depth"), encode_depth_png(s["depth"]))
    write_image(target("semantic"), s["semantic"])
    write_image(target("normals"), encode_normals(s["normals"]))
    finite = s["depth"][np.isfinite(s["depth"])]
    stats = {
        "class_pixels": np.bincount(s["semantic"].ravel(), minlength=len(CLASSES)).tolist(),
        "depth_min": float(finite.min()) if finite.size else None,
        "depth_max": float(finite.max()) if finite.size else None,
    }
    write_bytes(meta_path, json.dumps({**s["camera"], "stats": stats}).encode())
    return stats


def _init_worker():
    import cv2

    cv2.setNumThreads(1)  # one process per core already


def _check_root(out: Path, domain: str, size: tuple[int, int]) -> None:
    info = out / "world.json"
    if info.is_file():
        old = read_info(info, FORMAT)  # a malformed file is named, not a bare JSON or attribute error
        if old.get("domain") != domain or tuple(old.get("size", ())) != tuple(size):
            raise ValueError(
                f"{out} already holds domain {old.get('domain')!r} at size {old.get('size')}; "
                f"refusing to mix in {domain!r} at {list(size)}: choose another --out"
            )
    else:
        write_bytes(info, json.dumps({"format": FORMAT, "version": VERSION, "domain": domain, "size": list(size)}).encode())


def make_dataset(domain: str, split: str, count: int, size, out, *, workers: int | None = None,
                 start: int = 0, progress: bool = True) -> dict:
    """Render samples start..start+count-1 of (domain, split) into ``out``; returns a summary."""
    get_domain(domain)
    size = check_size(size)
    if count < 1:
        raise ValueError(f"count must be >= 1, got {count}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name in (f"{split}.txt", *(f"{split}/{kind}/x" for kind in (*KINDS, "camera"))):
        output_path(out, name)  # before rendering: ValueError for a split with '..', absolute, or a folder linking out
    _check_root(out, domain, size)
    for stale in (out / split).glob("*/.*.tmp"):  # left by a killed run; the sample is redone
        stale.unlink()
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ValueError(f"workers must be an integer >= 1 (or None: all cores), got {workers!r}")
    workers = workers or min(os.cpu_count() or 1, 8)
    jobs = [(domain, split, i, size, str(out)) for i in range(start, start + count)]
    bar = tqdm(total=count, desc=f"world {domain}/{split}", unit="img", disable=not progress, file=sys.stderr)
    results = []
    if workers == 1:
        for job in jobs:
            results.append(_write_sample(job))
            bar.update()
    else:
        # fork is cheapest, but forking a process whose torch thread pools exist can deadlock
        fork_ok = sys.platform.startswith("linux") and "torch" not in sys.modules
        ctx = mp.get_context("fork" if fork_ok else "spawn")
        with ctx.Pool(workers, initializer=_init_worker) as pool:
            for stats in pool.imap(_write_sample, jobs, chunksize=4):
                results.append(stats)
                bar.update()
    bar.close()
    # the split list covers every finished sample of this split, in index order
    done = sorted(int(p.stem) for p in (out / split / "camera").glob("*.json"))
    write_bytes(out / f"{split}.txt", "".join(sample_id(i) + "\n" for i in done).encode())
    summary = summarise(results)
    write_contact_sheet(out, split, [sample_id(i) for i in range(start, start + min(count, 8))])
    return {"domain": domain, "split": split, "count": len(done), "out": str(out), **summary}


def ensure_dataset(domain: str, split: str, count: int, size, out, **kwargs) -> dict | None:
    """make_dataset unless ``out`` already lists ``count`` samples of ``split`` (then None)."""
    listing = Path(out) / f"{split}.txt"
    if listing.is_file() and len(listing.read_text().split()) >= count:
        return None
    return make_dataset(domain, split, count, size, out, **kwargs)


def summarise(stats: list[dict]) -> dict:
    pixels = np.sum([s["class_pixels"] for s in stats], axis=0)
    mins = [s["depth_min"] for s in stats if s["depth_min"] is not None]
    maxs = [s["depth_max"] for s in stats if s["depth_max"] is not None]
    return {
        "class_frequency": {c: float(p) / max(pixels.sum(), 1) for c, p in zip(CLASSES, pixels)},
        "depth_range": [min(mins, default=None), max(maxs, default=None)],
    }


def write_contact_sheet(out: Path, split: str, ids: list[str]) -> Path:
    """Rows of image | semantic | depth | normals for a few samples: out/preview_<split>.png."""
    # here, not at the top: the tasks load torch, and the renderers fork before (make_dataset)
    from atdt.tasks import colourise_depth, colourise_normals, colourise_semantic

    rows = []
    for sid in ids:
        d = out / split
        depth = decode_depth_png(read_image(d / "depth" / f"{sid}.png"))
        rows.append(np.concatenate([
            read_image(d / "image" / f"{sid}.png"),
            colourise_semantic(read_image(d / "semantic" / f"{sid}.png")),
            colourise_depth(depth),
            colourise_normals(decode_normals(read_image(d / "normals" / f"{sid}.png"))),
        ], axis=1))
    path = out / f"preview_{split}.png"
    write_image(path, np.concatenate(rows, axis=0))
    return path
