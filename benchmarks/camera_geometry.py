"""How much of a Sem. -> Dep. domain gap is camera geometry, how much appearance?

Each world domain films its streets through its own rig (focal, camera height, pitch). The
diagnostic domain `<B>_<A>_rig` keeps B's streets and looks and films them through A's rig
(`atdt.world.domains.through_rig`; shipped: camera_clean_rig, clean_vivid_rig). Scoring the depth
networks of a finished Sem. -> Dep. experiment (A -> B) on A, on B through A's rig and on B:
- N2 (trained on A) on B through A's rig vs on A: the appearance (and street) gap alone;
- N2 on B (focal-rescaled, as the Baseline) vs on B through A's rig: what B's rig adds;
- the same for AT/DT, whose D2 also decodes through A's geometry, and for the Oracle.

    .venv/bin/python benchmarks/camera_geometry.py runs/demo/sem2dep/seed0 --split val --count 100
    .venv/bin/python benchmarks/camera_geometry.py runs/reproduce/sem2dep-vivid-clean/seed0 --split val --count 100
"""

import argparse
import json
from pathlib import Path

from atdt.config import ExperimentConfig
from atdt.data import load_dataset
from atdt.engine import evaluate, load_task_network, mean_focal
from atdt.method.predictor import load_predictor
from atdt.typed_config import load_config
from atdt.world.domains import DIAGNOSTIC_DOMAINS, rig_name
from atdt.world.writer import ensure_dataset

DATA = Path("data/world")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("experiment", type=Path, help="a seed folder of a world Sem. -> Dep. experiment")
    parser.add_argument("--split", default="test")
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args()
    cfg = load_config(ExperimentConfig, args.experiment / "config.yaml")
    a, b = (Path(d.root).name for d in (cfg.domain_a, cfg.domain_b))
    rig = rig_name(b, a)
    if rig not in DIAGNOSTIC_DOMAINS:
        raise SystemExit(f"no diagnostic domain {rig!r} for {a} -> {b}; add through_rig({b!r}, {a!r}) to "
                         f"atdt.world.domains.DIAGNOSTIC_DOMAINS (shipped: {', '.join(DIAGNOSTIC_DOMAINS)})")
    ensure_dataset(rig, args.split, args.count, (64, 128), DATA / rig, progress=False)
    n2, task, _ = load_task_network(args.experiment / "n2")
    oracle, _, _ = load_task_network(args.experiment / "oracle")
    atdt, _ = load_predictor(args.experiment / "atdt_predictor.pt")
    tests = {d: load_dataset("world", DATA / d, args.split, limit=args.count) for d in (a, rig, b)}
    focal = {d: mean_focal(t) for d, t in tests.items()}
    rows = {}
    for label, model, trained_on in (("N2 / Baseline", n2, a), ("AT/DT", atdt, a), ("Oracle", oracle, b)):
        for d, data in tests.items():
            if label == "AT/DT" and d == a:
                continue
            scale = focal[d] / focal[trained_on]  # the focal-ratio rescaling of the paper's protocol
            scores = evaluate(model, data, task, depth_scale=scale, progress=False)
            rows[f"{label} on {d}"] = {"scale": scale, **scores}
            print(f"{label:14s} on {d:17s} (x{scale:.2f}): abs_rel {scores['abs_rel']:.3f}  rmse {scores['rmse']:.2f}  "
                  f"d1 {scores['d1']:.3f}", flush=True)
    out = args.experiment / "camera_geometry.json"
    out.write_text(json.dumps(rows, indent=2))
    print(f"written: {out}")


if __name__ == "__main__":
    main()
