"""Where multi-scale AT/DT loses (issue 27): one seed of a run that trained it, e.g.
runs/multiscale/dep2sem-clean-camera/seed0. D2 decodes the deepest stage through G (AT/DT's
only transfer) and, at each shallower stage it reads, either E2's own features (single-level
AT/DT) or G_k's (multi-scale); every choice of transferred stages is scored on B's and A's test
splits. Beside it, how well each G_k reproduces E2's stage-k features on A and on B (R^2: 1 -
squared error / E2's variance about its per-channel mean). The seed's networks are reused from
its folder (one missing there would be trained first, as `atdt run` would).

    .venv/bin/python benchmarks/multiscale_stages.py runs/multiscale/dep2sem-clean-camera/seed0 [--out FILE.md]
"""

import argparse
import itertools
from pathlib import Path

import torch
from torch import nn

from atdt.config import ExperimentConfig
from atdt.engine import evaluate, make_fabric
from atdt.method.experiment import open_evaluation
from atdt.method.seed_run import SeedRun, ensure_network
from atdt.typed_config import load_config


class Mixed(nn.Module):
    """D2 on G(E1) at the deepest stage and, at stage k < deepest, G_k(E1_k) if k is in
    ``transferred`` else E2_k: () is single-level AT/DT, every stage multi-scale AT/DT."""

    def __init__(self, e1, e2, gs: dict, d2, transferred: tuple[int, ...]):
        super().__init__()
        self.e1, self.e2, self.gs, self.d2, self.transferred = e1, e2, nn.ModuleDict(gs), d2, set(transferred)

    def forward(self, x):
        f1, f2 = self.e1(x), self.e2(x)
        deepest = len(f1)
        return self.d2([self.gs[str(k)](f1[k - 1]) if k in self.transferred or k == deepest else f2[k - 1]
                        for k in range(1, deepest + 1)], x.shape[-2:])


@torch.no_grad()
def feature_r2(e1, e2, gs: dict, dataset) -> dict[int, float]:
    """Stage k -> R^2 of G_k(E1_k(x)) against E2_k(x) over ``dataset`` (per-channel means)."""
    sums = {}
    for i in range(0, len(dataset), 16):
        x = torch.stack([dataset[j]["image"] for j in range(i, min(i + 16, len(dataset)))])
        f1, f2 = e1(x), e2(x)
        for k, g in gs.items():
            target, pred = f2[int(k) - 1], g(f1[int(k) - 1])
            s = sums.setdefault(int(k), [0.0, torch.zeros(target.shape[1]), torch.zeros(target.shape[1]), 0])
            s[0] += float(((pred - target) ** 2).sum())
            s[1] += target.sum((0, 2, 3))
            s[2] += (target ** 2).sum((0, 2, 3))
            s[3] += target[:, 0].numel()
    return {k: 1 - sse / float((sq - total ** 2 / n).sum()) for k, (sse, total, sq, n) in sorted(sums.items())}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("seed_folder", type=Path)
    parser.add_argument("--out", type=Path, help="also write the tables to this Markdown file")
    args = parser.parse_args()
    cfg = load_config(ExperimentConfig, args.seed_folder / "config.yaml")
    run = SeedRun(cfg, args.seed_folder, make_fabric(cfg.runtime), print)
    n1, n2, g, g_stages = (ensure_network(name, run) for name in ("n1", "n2", "g", "g_stages"))
    e1, e2 = n1.encoder, n2.encoder
    gs = {**g_stages, str(len(e1.out_channels)): g}
    for net in (e1, e2, n2.decoder, *gs.values()):
        net.eval()
    ev = open_evaluation(run)  # the runner's test splits (eval_limit applied) and B's depth scale f_B / f_A
    task, test, scale = ev.task, ev.test, {"a": 1.0, "b": ev.focal_ratio}
    shallow = sorted(int(k) for k in g_stages)
    metrics = (*task.key_metrics, *(("miou_thin",) if task.name == "semantic" else ()))
    lines = [f"{args.seed_folder}: {cfg.task_source} -> {cfg.task_target}, A = {test['a'].domain}, "
             f"B = {test['b'].domain}; {' / '.join(metrics)}", "",
             f"| stages through G_k (besides the deepest) | B ({cfg.domain_b.test_split}) | A ({cfg.domain_a.test_split}) |",
             "|---|---|---|"]
    for n in range(len(shallow) + 1):
        for chosen in itertools.combinations(shallow, n):
            model = Mixed(e1, e2, gs, n2.decoder, chosen).eval()
            scores = {d: evaluate(model, test[d], task, depth_scale=scale[d], progress=False) for d in ("b", "a")}
            cells = [" / ".join(f"{scores[d][m]:.2f}" for m in metrics) for d in ("b", "a")]
            name = {0: "none (AT/DT)", len(shallow): "all (AT/DT multi-scale)"}.get(n, ", ".join(map(str, chosen)))
            lines.append(f"| {name} | {cells[0]} | {cells[1]} |")
            print(lines[-1], flush=True)
    r2 = {d: feature_r2(e1, e2, gs, test[d]) for d in ("a", "b")}
    lines += ["", "| stage | R^2 of G_k(E1_k) vs E2_k on A | on B |", "|---|---|---|"]
    lines += [f"| {k} | {r2['a'][k]:.3f} | {r2['b'][k]:.3f} |" for k in r2["a"]]
    print("\n".join(lines))
    if args.out:
        args.out.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
