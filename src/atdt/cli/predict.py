"""Predict on image files: colourised PNGs plus raw arrays (.npy: class ids, metres, or normals).

Outputs are named after the image (`street.png` -> `street_semantic.png/.npy`); images that share
a name (`a/street.png b/street.png`) keep their folders under --out (`a/street_semantic.png`,
`b/street_semantic.png`), so no output overwrites another. An output that would replace one of
the images (or the predictor) is refused before anything is written; every file is written
atomically, replacing a link at its name instead of writing through it.

Example: atdt predict runs/demo/dep2sem/seed0/atdt_predictor.pt street.png --out predictions/
"""

from __future__ import annotations

import os
from pathlib import Path


def add_arguments(parser) -> None:
    parser.add_argument("run", help="run folder of `atdt train-task`, or an AT/DT predictor file (.pt)")
    parser.add_argument("images", nargs="+", help="image files (PNG/JPEG)")
    parser.add_argument("--out", required=True, help="output folder")


def output_names(images: list[Path]) -> list[str]:
    """One distinct output name per distinct image: the stem, or where stems collide the path
    relative to the images' common folder (with the extension where even that collides)."""
    resolved = [p.resolve() for p in images]
    if len({p.stem for p in resolved}) == len(resolved):
        return [p.stem for p in resolved]
    common = Path(os.path.commonpath([str(p.parent) for p in resolved]))
    relative = [p.relative_to(common) for p in resolved]
    names = [str(r.with_suffix("")) for r in relative]
    if len(set(names)) < len(names):
        names = [str(r.with_suffix("")) + "_" + r.suffix.lstrip(".") for r in relative]
    return names


def run(args) -> int:
    import torch

    from atdt.cli.common import output_folder
    from atdt.data.io import check_outputs, output_path, read_rgb, write_array, write_image
    from atdt.engine import default_device
    from atdt.engine.evaluate import predict
    from atdt.method.predictor import load_predictor

    given = [Path(p) for p in args.images]
    images = list(dict.fromkeys(p.resolve() for p in given))  # the same file twice is one image
    out = output_folder(args.out)
    device = default_device()
    model, task = load_predictor(args.run, device)
    # every output inside --out, and none replaces an image, the predictor or another output
    bases = [f"{name}_{task.name}" for name in output_names(images)]
    targets = [(output_path(out, f"{b}.png"), output_path(out, f"{b}.npy")) for b in bases]
    check_outputs([p for pair in targets for p in pair], [*given, *images, Path(args.run)])
    for path, (png, npy) in zip(images, targets):
        image = torch.from_numpy(read_rgb(path)).permute(2, 0, 1).float().div(255.0)[None].to(device)
        with torch.no_grad():
            # an AT/DT export carries the focal ratio f_B / f_A of its domains
            pred = predict(model, image, task, getattr(model, "depth_scale", 1.0))[0].cpu()
        write_image(png, task.colourise(pred))
        write_array(npy, pred.numpy())
        print(f"{path} -> {png.parent / png.stem}.png/.npy")
    return 0
