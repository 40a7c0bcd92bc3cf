"""The ``translate`` network type: CycleGAN between B and A, trained on demand for an experiment
(paper Sec. 5.3, supp. Sec. 1.4), and what it makes: "B like A" (the paper's *BlikeA*), B's images
translated to look like A with B's labels, cameras and proxy depth, read as the domain ``b_like_a``.

It is `atdt translate` (``atdt.translate.pipeline``) run into the network's folder with a
``TranslateConfig`` built from the experiment: its domain_a and domain_b, its ``translate`` block
and its runtime. Its fingerprint hashes what `atdt translate` hashes (both training sets, network
and training settings, seed, precision), so a translation that either trained with the same
inputs under the experiment's out/ folder is adopted by the other. The dataset is written once per
fingerprint, into ``<folder>/b_like_a`` (a killed write resumes).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from atdt.config import DataConfig, ExperimentConfig, TranslateConfig


def translate_config(net, cfg: ExperimentConfig, run_dir) -> TranslateConfig:
    """The `atdt translate` config of network ``net`` (domains (A, B)) in ``run_dir``; the seed is
    ``translate.seed``, or the experiment's when that is None."""
    from atdt.method.networks import domain_config

    t = getattr(cfg, net.settings)
    a, b = (domain_config(cfg, x) for x in net.domains)
    seed = cfg.runtime.seed if t.seed is None else t.seed
    return TranslateConfig(domain_a=a, domain_b=b, network=t.network, train=t.train,
                           runtime=replace(cfg.runtime, seed=seed), out=str(run_dir))


def declare_translation(net, cfg: ExperimentConfig):
    from atdt.method.network_types import Declared

    t = getattr(cfg, net.settings)
    return Declared("cyclegan", t.network, t.train, f"{net.settings}.train", ())


def translation_inputs(net, run, run_dir) -> dict:
    """The fingerprint's inputs: those of `atdt translate` with the same config."""
    from atdt.translate.pipeline import open_training, translation_inputs as inputs

    tcfg = translate_config(net, run.cfg, run_dir)
    return inputs(tcfg, *open_training(tcfg))


def train_translation(net, run, builds_on: dict, run_dir: Path):
    """Train (or load) CycleGAN, write B like A and its distance report; returns the networks."""
    from atdt.engine.reuse import MARKER
    from atdt.translate.pipeline import open_training, translate

    tcfg = translate_config(net, run.cfg, run_dir)
    fingerprint = (Path(run_dir) / MARKER).read_text().strip()  # prepare_run wrote it; world.json records it
    nets, _ = translate(tcfg, *open_training(tcfg), fingerprint, run.fabric, run.print_fn)
    return nets


def b_like_a(net, cfg: ExperimentConfig, run_dir) -> DataConfig:
    """The domain a trained translation made: B's split names, limit and (copied) proxy depth."""
    from atdt.method.networks import domain_config

    b = domain_config(cfg, net.domains[1])
    root = Path(run_dir) / "b_like_a"
    return DataConfig(name="world", root=str(root), train_split=b.train_split, val_split=b.val_split,
                      test_split=b.test_split, limit=b.limit, depth_root=f"{root}-proxy" if b.depth_root else None)
