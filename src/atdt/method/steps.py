"""The four steps of AT/DT (paper Sec. 3.3-3.6) as plain functions of plain values.

Which networks an experiment trains, from which domains and settings, is the table
``atdt.method.network_table.NETWORKS`` (its task networks are trained by steps 1 and 2, its
transfer networks by step 3); how each method predicts is ``atdt.method.methods.METHODS`` (AT/DT
by step 4).
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from atdt.config import NetworkConfig, RuntimeConfig, TrainConfig, TransferConfig
from atdt.data.mixed import MixedSampler, TrainingSet
from atdt.engine import final_checkpoint, fit, is_finished, load_checkpoint, save_checkpoint, train_task_network
from atdt.engine.checkpoint import build_checked
from atdt.engine.fabric import rank_zero_result
from atdt.method.features import FeaturePairs, cache_feature_pairs
from atdt.method.predictor import ATDTPredictor, MultiscalePredictor, skip_stages
from atdt.networks import TaskNetwork, TransferNetwork
from atdt.typed_config import to_dict


def step1_train_n1(task: str, domains: list, *, network: NetworkConfig, train: TrainConfig, runtime: RuntimeConfig,
                   run_dir, fabric, desc: str = "step 1: N1 on A+B") -> TaskNetwork:
    """Step 1 (Sec. 3.3): N1 = D1(E1(x)) for T1 on A and B together (``domains``: their training
    splits), every batch holding equal shares of each, so that E1 gives both domains one
    representation. With one domain it is N1^A or N1^B of the shared-N1 ablation (Sec. 6.2)."""
    return train_task_network(task, domains, network=network, train=train, runtime=runtime, run_dir=run_dir,
                              fabric=fabric, desc=desc)


def step2_train_n2(task: str, domains: list, *, network: NetworkConfig, train: TrainConfig, runtime: RuntimeConfig,
                   run_dir, fabric, desc: str = "step 2: N2 on A") -> TaskNetwork:
    """Step 2 (Sec. 3.4): N2 = D2(E2(x)) for T2 on A, the only domain with T2 labels; applied to B as
    it is, it is the Baseline. Trained on B's own T2 labels instead, it is the Oracle."""
    return train_task_network(task, domains, network=network, train=train, runtime=runtime, run_dir=run_dir,
                              fabric=fabric, desc=desc)


def build_transfer(in_channels: int, out_channels: int, transfer: TransferConfig, down: int | None = None) -> TransferNetwork:
    """G from E1's channel count to E2's, with the layer settings of ``transfer`` (``down``: other
    stride-2 layers than ``transfer.down``, for the G_k of a shallower stage)."""
    t = transfer
    return TransferNetwork(in_channels, out_channels, layers=t.layers, down=t.down if down is None else down,
                           width=t.width, norm=t.norm, activation=t.activation)


def _feature_loss(e1, e2, cached: bool, level: int):
    def loss_fn(g, batch):
        if cached:
            f1, f2 = batch["f1"], batch["f2"]
        else:
            with torch.no_grad():
                f1, f2 = e1(batch["image"])[level], e2(batch["image"])[level]
        loss = torch.nn.functional.mse_loss(g(f1), f2)  # squared L2 between G(E1(x_A)) and E2(x_A), Eq. 3
        return loss, {}

    return loss_fn


def step3_train_transfer(e1, e2, train_a, *, transfer: TransferConfig, runtime: RuntimeConfig, run_dir, fabric,
                         desc: str = "step 3: G on A", level: int = -1, down: int | None = None) -> TransferNetwork:
    """Step 3 (Sec. 3.5): G_{1->2} on A only, minimising ||G(E1(x_A)) - E2(x_A)||^2 with E1 and E2 frozen
    in inference mode (Sec. 3.5). Features are cached once unless transfer.cache_features=false.
    Under DDP every process takes batch_size / world_size of each batch, as in steps 1 and 2.
    ``level``: the index of the encoders' stage G maps (-1, the deepest, as the paper); ``down``:
    G's stride-2 layers where not ``transfer.down`` (``step3_multiscale``)."""
    t = transfer
    e1, e2 = e1.eval().requires_grad_(False), e2.eval().requires_grad_(False)
    torch.manual_seed(runtime.seed)  # G's init must not depend on whether N1 resumed
    g = build_transfer(e1.out_channels[level], e2.out_channels[level], t, down)
    if is_finished(run_dir):  # trained before: skip the feature cache too
        g.load_state_dict(load_checkpoint(final_checkpoint(run_dir))["model"])
        return g.eval()
    if t.cache_features:
        data = cache_feature_pairs(e1, e2, train_a, device=fabric.device, progress=runtime.progress, level=level)
    else:
        e1.to(fabric.device), e2.to(fabric.device)
        # images only, with the crops and flips of transfer.train (the paper: 512x512 crops)
        data = TrainingSet([train_a], (), crop=t.train.crop, flip=t.train.flip, photometric=t.train.photometric)
    sampler = MixedSampler(data.sizes, t.train.batch_size // fabric.world_size, seed=runtime.seed,
                           rank=fabric.global_rank, world_size=fabric.world_size)
    fit(fabric, g, _feature_loss(e1, e2, t.cache_features, level), data, steps=t.train.steps, batch_size=sampler.batch_size,
        optim=t.train.optim, run_dir=run_dir, sampler=sampler, desc=desc,
        config={"transfer": to_dict(t), **({} if level == -1 else {"level": level, "down": g.strides})},
        log_every=t.train.log_every, ckpt_every=t.train.ckpt_every, progress=runtime.progress,
        channels_last=runtime.channels_last, sync_batchnorm=runtime.sync_batchnorm)
    return g.eval()


def step3_multiscale(e1, e2, train_a, *, stages: dict[int, int], transfer: TransferConfig, runtime: RuntimeConfig,
                     run_dir, fabric, desc: str = "multi-scale: G_k on A") -> nn.ModuleDict:
    """Beyond the paper (its Sec. 6 names multi-scale transfer as future work): step 3 once more for
    each shallower stage k of E that D2 reads through its skips, G_k mapping E1's stage-k features to
    E2's on A with the same frozen-encoder L2 loss; ``stages``: k -> G_k's stride-2 layers. The
    deepest stage's G is step 3's own. Each trains (or resumes) in ``run_dir/stage<k>``; then one
    sealed ``run_dir``'s final checkpoint holds them all (every G_k's weights, each one's settings),
    so the folder is one finished network, reused, adopted and rebuilt from that file alone.
    Returns {"<k>": G_k}."""
    run_dir = Path(run_dir)

    def build() -> nn.ModuleDict:
        return nn.ModuleDict({str(k): build_transfer(e1.out_channels[k - 1], e2.out_channels[k - 1], transfer, down)
                              for k, down in sorted(stages.items())})

    if is_finished(run_dir):  # trained before: the stage folders are not read
        path = final_checkpoint(run_dir)
        return build_checked(path, "the multi-scale transfer networks", build, load_checkpoint(path).get("model")).eval()
    gs = nn.ModuleDict({str(k): step3_train_transfer(e1, e2, train_a, transfer=transfer, runtime=runtime,
                                                     run_dir=run_dir / f"stage{k}", fabric=fabric,
                                                     desc=f"{desc}, stage {k}", level=k - 1, down=down)
                        for k, down in sorted(stages.items())})
    config = {"transfer": to_dict(transfer),
              "stages": {str(k): {"level": k - 1, "down": gs[str(k)].strides} for k in sorted(stages)}}
    rank_zero_result(fabric, lambda: save_checkpoint(final_checkpoint(run_dir), {
        "model": {k: v.cpu() for k, v in gs.state_dict().items()}, "config": config}, seal=True))
    return gs


def step4_transfer(e1, g, n2) -> ATDTPredictor:
    """Step 4 (Sec. 3.6): T2 on B as D2(G(E1(x_B))) (Eq. 4); no T2 label of B is ever used. ``n2`` gives D2
    (and, with skip connections, the shallow stages of E2 that feed them: see ATDTPredictor)."""
    return ATDTPredictor(e1, g, n2.decoder, e2_skips=skip_stages(n2)).eval()


def step4_multiscale(e1, g, g_stages, n2) -> MultiscalePredictor:
    """Step 4 with multi-scale transfer: D2 decodes G_k(E1_k(x_B)) at every stage it reads, the
    deepest through step 3's G, so on B nothing of E2 is used (as in the single-level method)."""
    return MultiscalePredictor(e1, {**g_stages, str(len(e1.out_channels)): g}, n2.decoder).eval()


@torch.no_grad()
def feature_loss(e1, g, e2, dataset, device, limit: int = 64) -> float:
    """Held-out transfer loss on a dataset (e.g. A's validation split)."""
    pairs = cache_feature_pairs(e1, e2, torch.utils.data.Subset(dataset, range(min(limit, len(dataset)))),
                                device=device, flips=False, progress=False)
    g = g.to(device).eval()
    return float(torch.nn.functional.mse_loss(g(pairs.f1.to(device)), pairs.f2.to(device)))


__all__ = ["FeaturePairs", "build_transfer", "feature_loss", "step1_train_n1", "step2_train_n2", "step3_multiscale",
           "step3_train_transfer", "step4_multiscale", "step4_transfer"]
