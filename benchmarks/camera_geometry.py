"""How much of the Sem. -> Dep. gap from clean to camera is camera geometry, how much appearance?

The camera domain films its streets through another rig than clean (focal 0.9 vs 0.5 of the
width, 1.15-1.35 m vs 1.5-1.7 m high, 0-1.5 vs 0-2 deg pitch). The diagnostic domain
`camera_clean_rig` keeps camera's streets and looks and films them through clean's rig. Scoring
the depth networks of a finished Sem. -> Dep. experiment (clean -> camera) on both splits:
- N2 (trained on clean) on camera_clean_rig vs on clean: the appearance gap alone;
- N2 on camera (focal-rescaled, as the Baseline) vs on camera_clean_rig: what the rig adds;
- the same for AT/DT, whose D2 also decodes through clean's geometry.

    .venv/bin/python benchmarks/camera_geometry.py runs/demo/sem2dep/seed0
"""

import argparse
import json
from pathlib import Path

from atdt.data import load_dataset
from atdt.engine import evaluate, load_task_network, mean_focal
from atdt.method.predictor import load_predictor
from atdt.world.writer import ensure_dataset

DATA = Path("data/world")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("experiment", type=Path, help="a seed folder of a clean -> camera Sem. -> Dep. experiment")
    parser.add_argument("--split", default="test")
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args()
    ensure_dataset("camera_clean_rig", args.split, args.count, (64, 128), DATA / "camera_clean_rig", progress=False)
    n2, task, _ = load_task_network(args.experiment / "n2")
    oracle, _, _ = load_task_network(args.experiment / "oracle")
    atdt, _ = load_predictor(args.experiment / "atdt_predictor.pt")
    tests = {d: load_dataset("world", DATA / d, args.split, limit=args.count) for d in ("clean", "camera_clean_rig", "camera")}
    focal = {d: mean_focal(t) for d, t in tests.items()}
    rows = {}
    for label, model, trained_on in (("N2 / Baseline", n2, "clean"), ("AT/DT", atdt, "clean"), ("Oracle", oracle, "camera")):
        for d, data in tests.items():
            if label == "AT/DT" and d == "clean":
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
