"""Predict on image files: colourised PNGs plus raw arrays (.npy: class ids, metres, or normals).

Example: atdt predict runs/demo/dep2sem/seed0/atdt_predictor.pt street.png --out predictions/
"""

from __future__ import annotations


def add_arguments(parser) -> None:
    parser.add_argument("run", help="run folder of `atdt train-task`, or an AT/DT predictor file (.pt)")
    parser.add_argument("images", nargs="+", help="image files (PNG/JPEG)")
    parser.add_argument("--out", required=True, help="output folder")


def run(args) -> int:
    from pathlib import Path

    import numpy as np
    import torch

    from atdt.data.io import read_rgb, write_image
    from atdt.engine import default_device
    from atdt.method.predictor import load_predictor

    device = default_device()
    model, task = load_predictor(args.run, device)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for path in map(Path, args.images):
        image = torch.from_numpy(read_rgb(path)).permute(2, 0, 1).float().div(255.0)[None].to(device)
        with torch.no_grad():
            pred = task.predict(model(image))[0].cpu()
        if task.name == "depth":  # an AT/DT export carries the focal ratio f_B / f_A of its domains
            pred = pred * getattr(model, "depth_scale", 1.0)
        write_image(out / f"{path.stem}_{task.name}.png", task.colourise(pred))
        np.save(out / f"{path.stem}_{task.name}.npy", pred.numpy())
        print(f"{path} -> {out / (path.stem + '_' + task.name)}.png/.npy")
    return 0
