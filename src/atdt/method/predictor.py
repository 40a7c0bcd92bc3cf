"""Step 4 of AT/DT as one module: D2(G(E1(x))) (paper Eq. 4), exportable to a single file."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from atdt.engine.checkpoint import (CheckpointError, build_checked, load_checkpoint, rebuilding, save_checkpoint,
                                    stored_network)
from atdt.engine.train_task import load_task_network
from atdt.networks import TransferNetwork, build_task_network
from atdt.tasks import Task, get_task
from atdt.typed_config import finite_positive, to_dict


class ATDTPredictor(nn.Module):
    """x (B, 3, H, W) -> raw T2 output (B, C2, H, W) through E1, G and D2.

    With skip connections (``network.skips``) D2 also reads the shallower stages of an encoder.
    They come from E2's own stages before the split (``e2_skips``, run on the same image), so
    every input of D2 lies in the feature space D2 was trained on; only the deepest features,
    the task-specific ones at the split level, cross from T1 to T2 through G (as in the paper,
    which has no skips). Those shallow stages see B as the Baseline's do.
    """

    def __init__(self, e1: nn.Module, g: nn.Module, d2: nn.Module, *, e2_skips: nn.Module | None = None,
                 depth_scale: float = 1.0):
        super().__init__()
        self.e1, self.g, self.d2 = e1, g, d2
        self.e2_skips = e2_skips  # E2's stages 1..split-1, or None without skips
        self.depth_scale = depth_scale  # f_B / f_A, stored for `atdt predict`; the runner decides its own

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        deepest = self.g(self.e1(x)[-1])  # (B, C1, h, w) -> (B, C2, h, w)
        skips = self.e2_skips(x) if self.e2_skips is not None else []  # [(B, c_i, h_i, w_i)] shallow to deep
        return self.d2([*skips, deepest], x.shape[-2:])


class MultiscalePredictor(nn.Module):
    """x (B, 3, H, W) -> raw T2 output through E1, one G_k per stage D2 reads, and D2: D2 decodes
    [G_k(E1_k(x))] for those stages, shallow to deep (``gs``: {"<k>": G_k}, the deepest included),
    so no feature of E2 enters the prediction (multi-scale AT/DT, ``step4_multiscale``)."""

    def __init__(self, e1: nn.Module, gs: dict, d2: nn.Module):
        super().__init__()
        self.e1, self.d2 = e1, d2
        self.gs = nn.ModuleDict(dict(sorted(gs.items(), key=lambda kv: int(kv[0]))))
        self.depth_scale = 1.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.e1(x)  # [(B, c_k, h_k, w_k)], stage 1 first
        transferred = [g(features[int(k) - 1]) for k, g in self.gs.items()]  # D2 indexes them from the deepest
        return self.d2(transferred, x.shape[-2:])


def skip_stages(n2) -> nn.Module | None:
    """The stages of N2's encoder that feed D2's skip connections (all but the deepest), or None."""
    encoder = n2.encoder
    if not n2.decoder.skips or len(encoder.out_channels) < 2:
        return None
    return encoder.first(len(encoder.out_channels) - 1)


FORMAT = 3  # 1 pickled the module itself; 2 stored weights and the settings that rebuild them; 3 seals them with a digest


def export_predictor(predictor: ATDTPredictor, path, *, task_source: str, task_target: str, network, transfer,
                     meta: dict | None = None) -> Path:
    """One file: E1, G and D2's weights plus what rebuilds them (the tasks, the network config
    shared by N1 and N2, G's settings and channels) and a digest of all of it; no pickled code,
    so it loads weights-only, and an edited setting or weight is refused instead of predicting wrongly."""
    path = Path(path)
    g = {k: v for k, v in to_dict(transfer).items() if k in ("layers", "down", "width", "norm", "activation")}
    save_checkpoint(path, {
        "kind": "atdt-predictor", "format": FORMAT, "task": task_target, "task_source": task_source,
        "network": to_dict(network), "transfer": {**g, "in_channels": predictor.g.in_channels,
                                                  "out_channels": predictor.g.out_channels},
        "state_dict": {k: v.cpu() for k, v in predictor.state_dict().items()},
        "meta": check_meta({"depth_scale": predictor.depth_scale, **(meta or {})}, path),
    }, seal=True)
    return path


def check_meta(meta, path) -> dict:
    """The predictor's ``meta`` values in range, else CheckpointError naming the file: depth_scale
    (f_B / f_A, multiplies every depth) a finite number > 0; no key atdt does not know."""
    if not isinstance(meta, dict):
        raise CheckpointError(path, f"meta must be a mapping, got {meta!r}")
    unknown = sorted(set(meta) - {"depth_scale"}, key=str)
    if unknown:
        raise CheckpointError(path, f"unknown meta key(s) {', '.join(map(repr, unknown))}; valid keys: depth_scale")
    scale = meta.get("depth_scale", 1.0)
    if not finite_positive(scale):
        raise CheckpointError(path, f"meta.depth_scale must be a finite number > 0 (the focal ratio f_B / f_A), "
                                    f"got {scale!r}")
    return meta


def _rebuild(payload: dict, path) -> ATDTPredictor:
    if payload.get("format") != FORMAT:
        old = payload.get("format") in (1, 2)
        raise CheckpointError(path, f"AT/DT predictor format {payload.get('format')!r}, this atdt reads {FORMAT}"
                                    + (" (files now carry a digest of their settings and weights); export it again: "
                                       f"delete {Path(path).parent / 'results.json'} and rerun the experiment's "
                                       "`atdt run` (its trained networks are reused)" if old else ""))
    if "digest" not in payload:
        raise CheckpointError(path, "an AT/DT predictor without its digest (settings or weights cannot be verified); "
                                    "export it again with `atdt run`")
    meta = check_meta(payload.get("meta", {}), path)
    with rebuilding(path, "an AT/DT predictor"):
        network = stored_network(payload["network"])
        g_cfg = dict(payload["transfer"])
        t1, t2 = get_task(payload["task_source"]).out_channels, get_task(payload["task"]).out_channels

    def build() -> ATDTPredictor:
        n1, n2 = build_task_network(network, t1), build_task_network(network, t2)
        g_kw = dict(g_cfg)
        g = TransferNetwork(g_kw.pop("in_channels"), g_kw.pop("out_channels"), **g_kw)
        return ATDTPredictor(n1.encoder, g, n2.decoder, e2_skips=skip_stages(n2), depth_scale=float(meta.get("depth_scale", 1.0)))

    return build_checked(path, "an AT/DT predictor", build, payload.get("state_dict"))


def load_predictor(path, device=None) -> tuple[nn.Module, Task]:
    """A run folder of `atdt train-task` or an exported AT/DT predictor -> (module in eval mode, task)."""
    path = Path(path)
    if path.is_dir():
        model, task, _ = load_task_network(path)
    else:
        payload = load_checkpoint(path)
        if payload.get("kind") != "atdt-predictor":
            raise ValueError(f"{path} is neither a run folder nor an AT/DT predictor file")
        model, task = _rebuild(payload, path), get_task(payload["task"])
    return model.eval().to(device or "cpu"), task
