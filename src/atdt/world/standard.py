"""The standard copy of the embedded world on disk, shared by `make demo` and the studies:
``data/world/<domain>`` at 64x128 with 1,500 / 100 / 200 train / val / test images, and stereo
proxy depth of a domain's training images in ``data/world/<domain>-proxy``.

Rendering is skipped for splits already on disk and proxy depth for folders that hold its
``summary.txt``, so calling ``ensure_world_data`` again costs nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from atdt.data import load_dataset
from atdt.data.io import write_text
from atdt.stereo import write_proxy_depth
from atdt.world import DOMAINS
from atdt.world.writer import ensure_dataset

DATA = Path("data/world")
SIZE = (64, 128)
COUNTS = {"train": 1500, "val": 100, "test": 200}


def ensure_world_data(domains: Iterable[str], proxy_depth: Iterable[str] = (), *, root: Path = DATA,
                      size=SIZE, counts: dict = COUNTS, progress: bool = True, print_fn=print) -> dict[str, dict]:
    """Render ``domains`` under ``root`` and proxy depth of ``proxy_depth``'s training images
    (B's only depth supervision, as Cityscapes in the paper). Returns the summary of each proxy
    depth computed now (domain -> density and label error); reused ones are left out."""
    root, proxy_depth = Path(root), list(dict.fromkeys(proxy_depth))
    for domain in dict.fromkeys([*domains, *proxy_depth]):  # keeps order, drops repeats
        for split, count in counts.items():
            ensure_dataset(domain, split, count, size, root / domain, progress=progress)
    summaries = {}
    for domain in proxy_depth:
        summary = _ensure_proxy_depth(root / domain, root / f"{domain}-proxy", progress)
        if summary is not None:
            summaries[domain] = summary
            print_fn(f"proxy depth of {domain}/train: {100 * summary['density']:.1f}% of pixels kept, "
                     f"abs rel error {summary['abs_rel']:.3f}, {100 * summary['within_10']:.1f}% within 10%")
    return summaries


def _ensure_proxy_depth(images: Path, out: Path, progress: bool) -> dict | None:
    marker = out / "summary.txt"
    if marker.is_file():
        return None
    summary = write_proxy_depth(load_dataset("world", images, "train"), out, workers=2, progress=progress)
    write_text(marker, repr(summary) + "\n")
    return summary


def world_data_needed(datas: Iterable, root: Path = DATA) -> tuple[list[str], list[str]]:
    """Which standard world domains (and proxy depths) a set of ``DataConfig`` reads, in order of
    first use: a world-format domain whose root is ``root/<domain>``, a depth_root that is
    ``root/<domain>-proxy``. Data anywhere else is the caller's to provide."""
    root = Path(root)
    domains, proxy = [], []
    for data in datas:
        if data.name != "world" or Path(data.root).parent != root or Path(data.root).name not in DOMAINS:
            continue
        domains.append(Path(data.root).name)
        if data.depth_root is not None and Path(data.depth_root) == root / f"{Path(data.root).name}-proxy":
            proxy.append(Path(data.root).name)
    return list(dict.fromkeys(domains)), list(dict.fromkeys(proxy))
