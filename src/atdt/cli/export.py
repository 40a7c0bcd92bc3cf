"""Export a predictor to ONNX: the AT/DT predictor E1 -> G -> D2 (`atdt_predictor.pt` of `atdt run`) or
the task network of a run folder (`atdt train-task`, or n1/n2/oracle of an experiment). Input `image`
float32 [batch, 3, height, width] in [0, 1]; outputs `raw` and `prediction` (class ids, metres or unit
normals, as `atdt predict` gives them); batch, height and width are dynamic. The model is then run in
onnxruntime beside PyTorch and the largest difference printed. Needs `pip install -e '.[export]'`.

Example: atdt export runs/demo/dep2sem/seed0/atdt_predictor.pt --out atdt.onnx
"""

from __future__ import annotations

from pathlib import Path


def add_arguments(parser) -> None:
    parser.add_argument("predictor", help="an AT/DT predictor file (.pt), or a run folder of a task network")
    parser.add_argument("--out", required=True, help="the ONNX file to write, e.g. model.onnx")
    parser.add_argument("--no-check", action="store_true", help="skip the comparison with PyTorch in onnxruntime")


def run(args) -> int:
    from atdt.validate import output_problem

    out = Path(args.out)
    if (problem := output_problem(out, file=True)) is not None:  # before the predictor is loaded and exported
        raise ValueError(f"--out: {problem}; give the ONNX file to write, e.g. "
                         f"{out / 'model.onnx' if out.is_dir() else 'model.onnx'}")

    from atdt.method.predictor import load_predictor
    from atdt.onnx_export import PREDICTIONS, export_onnx, onnxruntime_difference

    model, task = load_predictor(args.predictor, "cpu")
    depth_scale = float(getattr(model, "depth_scale", 1.0))  # an AT/DT predictor carries f_B / f_A
    print(f"exporting {args.predictor} ({task.name}) to ONNX...")
    export_onnx(model, task, out, depth_scale=depth_scale, metadata={"source": Path(args.predictor).resolve()})
    scale = f" ({depth_scale:.4g})" if task.name == "depth" else ""
    print(f"{out}: image [batch, 3, height, width] -> raw [batch, {task.out_channels}, height, width], "
          f"prediction: {PREDICTIONS.get(task.name, task.name)}{scale}")
    if not args.no_check:
        differences = onnxruntime_difference(out, model)
        print("onnxruntime vs PyTorch, max |raw difference|: "
              + ", ".join(f"{d:.1e} at {h}x{w}" for (h, w), d in differences.items()))
    return 0
