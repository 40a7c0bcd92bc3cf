"""The four steps of AT/DT (paper Sec. 3.3-3.6) and the Oracle, each a plain function."""

from __future__ import annotations

from pathlib import Path

import torch

from atdt.config import ExperimentConfig, to_dict
from atdt.data.mixed import MixedSampler, TrainingSet
from atdt.engine import fit, load_checkpoint, train_task_network
from atdt.method.features import FeaturePairs, cache_feature_pairs
from atdt.method.predictor import ATDTPredictor
from atdt.networks import TransferNetwork


def step1_train_source(cfg: ExperimentConfig, train_a, train_b, run_dir, fabric):
    """Step 1: N1 = D1(E1(x)) for T1 on A and B together: one shared network, every batch half
    A and half B, so E1 gives both domains one representation (Sec. 3.3, ablation Sec. 6.2)."""
    return train_task_network(cfg.task_source, [train_a, train_b], network=cfg.network, train=cfg.n1,
                              runtime=cfg.runtime, run_dir=run_dir, fabric=fabric, desc="step 1: N1 on A+B",
                              config={"task": cfg.task_source, "network": to_dict(cfg.network), "train": to_dict(cfg.n1)})


def step2_train_target(cfg: ExperimentConfig, train_a, run_dir, fabric):
    """Step 2: N2 = D2(E2(x)) for T2 on A, the only domain with T2 labels (Sec. 3.4).
    Applied to B as it is, N2 is the Baseline."""
    return train_task_network(cfg.task_target, [train_a], network=cfg.network, train=cfg.n2,
                              runtime=cfg.runtime, run_dir=run_dir, fabric=fabric, desc="step 2: N2 on A",
                              config={"task": cfg.task_target, "network": to_dict(cfg.network), "train": to_dict(cfg.n2)})


def train_oracle(cfg: ExperimentConfig, train_b, run_dir, fabric):
    """The Oracle: N2 trained with T2 labels of B (the reference AT/DT tries to approach)."""
    return train_task_network(cfg.task_target, [train_b], network=cfg.network, train=cfg.oracle,
                              runtime=cfg.runtime, run_dir=run_dir, fabric=fabric, desc="oracle: N2 on B",
                              config={"task": cfg.task_target, "network": to_dict(cfg.network), "train": to_dict(cfg.oracle)})


def build_transfer(cfg: ExperimentConfig, n1, n2) -> TransferNetwork:
    t = cfg.transfer
    return TransferNetwork(n1.encoder.out_channels[-1], n2.encoder.out_channels[-1], layers=t.layers, down=t.down,
                           width=t.width, norm=t.norm, activation=t.activation)


def _feature_loss(e1, e2, cached: bool):
    def loss_fn(g, batch):
        if cached:
            f1, f2 = batch["f1"], batch["f2"]
        else:
            with torch.no_grad():
                f1, f2 = e1(batch["image"])[-1], e2(batch["image"])[-1]
        loss = torch.nn.functional.mse_loss(g(f1), f2)  # squared L2 between G(E1(x_A)) and E2(x_A), Eq. 3
        return loss, {}

    return loss_fn


def step3_train_transfer(cfg: ExperimentConfig, n1, n2, train_a, run_dir, fabric) -> TransferNetwork:
    """Step 3: G_{1->2} on A only, minimising ||G(E1(x_A)) - E2(x_A)||^2 with E1 and E2 frozen
    in inference mode (Sec. 3.5). Features are cached once unless transfer.cache_features=false."""
    t = cfg.transfer
    e1, e2 = n1.encoder.eval().requires_grad_(False), n2.encoder.eval().requires_grad_(False)
    torch.manual_seed(cfg.runtime.seed)  # G's init must not depend on whether N1 resumed
    g = build_transfer(cfg, n1, n2)
    final = Path(run_dir) / "checkpoints" / "final.ckpt"
    if final.is_file():  # finished before: skip the feature cache too
        g.load_state_dict(load_checkpoint(final)["model"])
        return g.eval()
    if t.cache_features:
        data = cache_feature_pairs(e1, e2, train_a, device=fabric.device, progress=cfg.runtime.progress)
    else:
        e1.to(fabric.device), e2.to(fabric.device)
        # images only, with the crops and flips of transfer.train (the paper: 512x512 crops)
        data = TrainingSet([train_a], (), crop=t.train.crop, flip=t.train.flip, photometric=t.train.photometric)
    sampler = MixedSampler(data.sizes, t.train.batch_size, seed=cfg.runtime.seed,
                           rank=fabric.global_rank, world_size=fabric.world_size)
    fit(fabric, g, _feature_loss(e1, e2, t.cache_features), data, steps=t.train.steps, batch_size=t.train.batch_size,
        optim=t.train.optim, run_dir=run_dir, sampler=sampler, desc="step 3: G on A",
        config={"transfer": to_dict(t)}, log_every=t.train.log_every, ckpt_every=t.train.ckpt_every,
        progress=cfg.runtime.progress, channels_last=cfg.runtime.channels_last)
    return g.eval()


def step4_transfer(n1, g, n2, depth_scale: float = 1.0) -> ATDTPredictor:
    """Step 4: T2 on B as D2(G(E1(x_B))) (Eq. 4); no T2 label of B is ever used."""
    return ATDTPredictor(n1.encoder, g, n2.decoder, depth_scale=depth_scale).eval()


@torch.no_grad()
def feature_loss(e1, g, e2, dataset, device, limit: int = 64) -> float:
    """Held-out transfer loss on a dataset (e.g. A's validation split)."""
    pairs = cache_feature_pairs(e1, e2, torch.utils.data.Subset(dataset, range(min(limit, len(dataset)))),
                                device=device, flips=False, progress=False)
    g = g.to(device).eval()
    return float(torch.nn.functional.mse_loss(g(pairs.f1.to(device)), pairs.f2.to(device)))


__all__ = [
    "FeaturePairs",
    "feature_loss",
    "step1_train_source",
    "step2_train_target",
    "step3_train_transfer",
    "step4_transfer",
    "train_oracle",
]
