"""What a translation did: appearance distances of B and of "B like A" to A (before / after), and
a contact sheet of rows B | B like A | the nearest A images (the paper's supp. Fig. 2)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from atdt.data.io import write_image
from atdt.metrics.appearance import appearance_distance, dataset_appearance

THUMB = (16, 32)  # (H, W) of the thumbnails compared to find an A image like a translated one
MAX_TILE_HEIGHT = 256


def distance_report(a, b, b_like_a, limit: int | None = 200) -> dict:
    """Appearance statistics of the first ``limit`` images of each dataset and the distances
    "b_vs_a" (before translation) and "b_like_a_vs_a" (after); smaller = closer to A."""
    stats = {"a": dataset_appearance(a, limit), "b": dataset_appearance(b, limit),
             "b_like_a": dataset_appearance(b_like_a, limit)}
    return {
        "domains": {"a": a.domain, "b": b.domain, "b_like_a": b_like_a.domain},
        "statistics": {k: s.compute() for k, s in stats.items()},
        "b_vs_a": appearance_distance(stats["b"], stats["a"]),
        "b_like_a_vs_a": appearance_distance(stats["b_like_a"], stats["a"]),
    }


def format_distances(report: dict) -> str:
    """A small text table of the report's distances, before and after translation."""
    keys = list(report["b_vs_a"])
    lines = [f"{'distance to A':<14}" + "".join(f"{k:>13}" for k in keys)]
    for label, row in (("B", "b_vs_a"), ("B like A", "b_like_a_vs_a")):
        lines.append(f"{label:<14}" + "".join(f"{report[row][k]:>13.4f}" for k in keys))
    return "\n".join(lines)


def _uint8(image) -> np.ndarray:  # (3,H,W) in [0,1] -> HxWx3 uint8
    return (image.permute(1, 2, 0).numpy() * 255.0).round().clip(0, 255).astype(np.uint8)


def _thumb(image: np.ndarray) -> np.ndarray:
    return cv2.resize(image, THUMB[::-1], interpolation=cv2.INTER_AREA).astype(np.float32).ravel()


def contact_sheet(a, b, b_like_a, path, *, rows: int = 6, neighbours: int = 2, pool: int | None = 200) -> Path:
    """Write rows B | B like A | the ``neighbours`` A images (of the first ``pool``) whose
    downsampled pixels are nearest the translated image's; tiles at B's size (at most 256 high)."""
    pool_ids = range(len(a) if pool is None else min(pool, len(a)))
    a_images = [_uint8(a[i]["image"]) for i in pool_ids]
    a_thumbs = np.stack([_thumb(im) for im in a_images])  # (N, 16*32*3)
    lines = []
    for i in range(min(rows, len(b), len(b_like_a))):
        source, translated = _uint8(b[i]["image"]), _uint8(b_like_a[i]["image"])
        h, w = source.shape[:2]
        scale = min(1.0, MAX_TILE_HEIGHT / h)
        size = (max(1, round(w * scale)), max(1, round(h * scale)))  # cv2: (W, H)
        nearest = np.argsort(((a_thumbs - _thumb(translated)) ** 2).sum(axis=1))[:neighbours]
        tiles = [source, translated, *(a_images[j] for j in nearest)]
        lines.append(np.concatenate([cv2.resize(t, size, interpolation=cv2.INTER_AREA) for t in tiles], axis=1))
    path = Path(path)
    write_image(path, np.concatenate(lines, axis=0))
    return path
