"""`atdt translate` as one function: train CycleGAN between A and B, write "B like A", report.

The run folder ``cfg.out`` holds config.yaml, checkpoints/, logs/train.csv, fingerprint.* (the
reuse rule of `atdt run`: changed inputs move the folder aside), b_like_a/ (the dataset, world
format), b_like_a-proxy/ (B's proxy depth under the new names, when B has a ``depth_root``),
distances.json and contact_sheet.png.
"""

from __future__ import annotations

import json
from pathlib import Path

from atdt.config import DataConfig, TranslateConfig


def _open(data: DataConfig, split: str, train: bool = False):
    from atdt.data import load_dataset

    return load_dataset(data.name, data.root, split, limit=data.limit if train else None, skip_bad=data.skip_bad,
                        **data.options)


def _short(domain: str) -> str:
    return domain.split("/")[-1].split("+")[0]  # "world/camera+proxy" -> "camera"


def run_translation(cfg: TranslateConfig, print_fn=print) -> dict:
    """Train B <-> A (resuming or reusing a run with the same inputs), translate B's train, val
    and test splits, write the distance report and the contact sheet. Returns
    {"run", "dataset", "proxy", "training", "distances", "contact_sheet"}."""
    from atdt.engine import make_fabric
    from atdt.engine.reuse import data_key, network_inputs, prepare_run
    from atdt.translate.report import contact_sheet, distance_report, format_distances
    from atdt.translate.train import train_cyclegan
    from atdt.translate.write import write_b_like_a
    from atdt.validate import validate_translation

    validate_translation(cfg)
    a_train, b_train = _open(cfg.domain_a, cfg.domain_a.train_split, True), _open(cfg.domain_b, cfg.domain_b.train_split, True)
    if cfg.train.crop is not None:
        for ds in (a_train, b_train):
            h, w = ds[0]["image"].shape[-2:]
            if cfg.train.crop[0] > h or cfg.train.crop[1] > w:
                raise ValueError(f"train.crop {list(cfg.train.crop)} is larger than the images of {ds.domain} ({h}x{w})")
    run = Path(cfg.out)
    inputs = network_inputs("cyclegan", [data_key(cfg.domain_a, a_train), data_key(cfg.domain_b, b_train)],
                            cfg.network, cfg.train, cfg.runtime)
    fp = prepare_run(run, inputs, print_fn=print_fn)
    fabric = make_fabric(cfg.runtime)
    nets, training = train_cyclegan(fabric, a_train, b_train, network=cfg.network, train=cfg.train,
                                    seed=cfg.runtime.seed, run_dir=run, config=cfg, progress=cfg.runtime.progress,
                                    channels_last=cfg.runtime.channels_last)

    b = cfg.domain_b
    splits = list(dict.fromkeys([b.train_split, b.val_split, b.test_split]))
    domain = f"{_short(b_train.domain)}-like-{_short(a_train.domain)}"
    source = {"fingerprint": fp, "a": a_train.domain, "b": b_train.domain}
    written = write_b_like_a(nets.g_ba, b, run / "b_like_a", domain=domain, splits=splits, device=fabric.device,
                             source=source, progress=cfg.runtime.progress)

    from atdt.data import load_dataset

    b_test = _open(b, b.test_split)
    like_test = load_dataset("world", written["root"], b.test_split)
    report = {"run": str(run), "dataset": written["root"], "split": b.test_split,
              **distance_report(a_train, b_test, like_test, cfg.report_limit)}
    (run / "distances.json").write_text(json.dumps(report, indent=2) + "\n")
    print_fn(format_distances(report))
    sheet = None
    if cfg.sheet_rows:
        sheet = contact_sheet(a_train, b_test, like_test, run / "contact_sheet.png", rows=cfg.sheet_rows,
                              pool=cfg.report_limit)
    return {"run": str(run), "dataset": written["root"], "proxy": written["proxy"], "training": training,
            "distances": report, "contact_sheet": str(sheet) if sheet else None}
