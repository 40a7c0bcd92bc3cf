"""`atdt translate` as one function: train CycleGAN between A and B, write "B like A", report.

The run folder ``cfg.out`` holds config.yaml, checkpoints/, logs/train.csv, fingerprint.* (the
reuse rule of `atdt run`: changed inputs move the folder aside), b_like_a/ (the dataset, world
format), b_like_a-proxy/ (B's proxy depth under the new names, when B has a ``depth_root``),
distances.json and contact_sheet.png. The experiment runner's ``translation`` network (its type
in ``atdt.method.network_types``) is the same pipeline: ``open_training``, ``translation_inputs``
and ``translate`` with a config it builds, so the two share a trained translation.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from atdt.config import TranslationRunConfig
from atdt.data import load_dataset, open_split
from atdt.data.io import write_text
from atdt.engine import make_fabric
from atdt.engine.lock import folder_lock
from atdt.engine.machine import resolve_runtime
from atdt.engine.reuse import data_key, network_inputs, prepare_run
from atdt.translation.report import contact_sheet, distance_report, format_distances
from atdt.translation.train import train_cyclegan
from atdt.translation.write import write_b_like_a
from atdt.validate import validate_translation


def _short(domain: str) -> str:
    return domain.split("/")[-1].split("+")[0]  # "world/camera+proxy" -> "camera"


def open_training(cfg: TranslationRunConfig) -> tuple:
    """A's and B's training splits as CycleGAN reads them (images only: no proxy labels); raises
    ValueError if ``train.crop`` is larger than their images."""
    a_train, b_train = (open_split(replace(d, depth_root=None), d.train_split, train=True)
                        for d in (cfg.domain_a, cfg.domain_b))
    if cfg.train.crop is not None:
        for ds in (a_train, b_train):
            h, w = ds[0]["image"].shape[-2:]
            if cfg.train.crop[0] > h or cfg.train.crop[1] > w:
                raise ValueError(f"train.crop {list(cfg.train.crop)} is larger than the images of {ds.domain} ({h}x{w})")
    return a_train, b_train


def translation_inputs(cfg: TranslationRunConfig, a_train, b_train) -> dict:
    """What the translation's fingerprint hashes (``atdt.engine.reuse``): both training sets, the
    network and training settings, the seed and the precision."""
    return network_inputs("cyclegan", [data_key(cfg.domain_a, a_train), data_key(cfg.domain_b, b_train)],
                          cfg.network, cfg.train, cfg.runtime)


def run_translation(cfg: TranslationRunConfig, print_fn=print, wait: bool = False) -> dict:
    """Train B <-> A (resuming or reusing a run with the same inputs), translate B's train, val
    and test splits, write the distance report and the contact sheet, with the run folder locked
    (``atdt.engine.lock``; ``wait``: wait for another run holding it). Returns
    {"run", "dataset", "proxy", "training", "distances", "contact_sheet"}."""
    validate_translation(cfg)
    cfg = resolve_runtime(cfg, print_fn)  # precision auto: what this machine computes natively
    a_train, b_train = open_training(cfg)
    with folder_lock(cfg.out, wait=wait, print_fn=print_fn):
        fp = prepare_run(Path(cfg.out), translation_inputs(cfg, a_train, b_train), print_fn=print_fn)
        return translate(cfg, a_train, b_train, fp, make_fabric(cfg.runtime), print_fn)[1]


def translate(cfg: TranslationRunConfig, a_train, b_train, fingerprint: str, fabric, print_fn=print) -> tuple:
    """Train (or load) CycleGAN in ``cfg.out``, write "B like A" there and report; the run folder
    is prepared (``prepare_run``). Returns (the CycleGAN networks, the dict of ``run_translation``)."""
    run = Path(cfg.out)
    nets, training = train_cyclegan(fabric, a_train, b_train, network=cfg.network, train=cfg.train,
                                    seed=cfg.runtime.seed, run_dir=run, config=cfg, progress=cfg.runtime.progress,
                                    channels_last=cfg.runtime.channels_last)

    b = cfg.domain_b
    splits = list(dict.fromkeys([b.train_split, b.val_split, b.test_split]))
    domain = f"{_short(b_train.domain)}-like-{_short(a_train.domain)}"
    source = {"fingerprint": fingerprint, "a": a_train.domain, "b": b_train.domain}
    written = write_b_like_a(nets.g_ba, b, run / "b_like_a", domain=domain, splits=splits, device=fabric.device,
                             source=source, progress=cfg.runtime.progress)

    b_test = open_split(b, b.test_split)
    like_test = load_dataset("world", written["root"], b.test_split)
    report = {"run": str(run), "dataset": written["root"], "split": b.test_split,
              **distance_report(a_train, b_test, like_test, cfg.report_limit)}
    write_text(run / "distances.json", json.dumps(report, indent=2) + "\n")
    print_fn(format_distances(report))
    sheet = None
    if cfg.sheet_rows:
        sheet = contact_sheet(a_train, b_test, like_test, run / "contact_sheet.png", rows=cfg.sheet_rows,
                              pool=cfg.report_limit)
    return nets, {"run": str(run), "dataset": written["root"], "proxy": written["proxy"], "training": training,
                  "distances": report, "contact_sheet": str(sheet) if sheet else None}
