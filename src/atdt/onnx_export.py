"""ONNX export of a predictor (``atdt export``; optional: ``pip install -e '.[export]'``).

The AT/DT predictor E1 -> G -> D2 of an experiment (``atdt_predictor.pt``) or the task network of
a run folder becomes one ONNX model: input ``image`` float32 [batch, 3, height, width] in [0, 1];
outputs ``raw`` (the network's output [batch, C, height, width]) and ``prediction`` (the task's, as
``atdt predict`` gives it: semantic class ids int64 [batch, height, width]; depth in metres
[batch, height, width], multiplied by the predictor's depth scale f_B / f_A; unit normals
[batch, 3, height, width]). Batch, height and width are dynamic.

It uses torch.onnx's dynamo exporter (torch.export; the default since PyTorch 2.9): every
dimension named dynamic stays symbolic or the export fails, where the deprecated TorchScript
tracer turns shape arithmetic done in Python (timm's "same" padding, for one) into constants of
the example size without a word. The price is time: seconds to a minute on a CPU.
"""

from __future__ import annotations

import contextlib
import importlib
import io
from pathlib import Path

import torch
from torch import nn

from atdt.data.io import write_bytes
from atdt.engine.evaluate import predict
from atdt.tasks import Task

EXAMPLE = (2, 3, 64, 128)  # the traced input; a batch of 2, as a batch of 1 would fix the batch size
CHECK_SIZES = ((64, 128), (75, 131))  # (H, W): the traced size and one that no stride divides
DYNAMIC = {0: "batch", 2: "height", 3: "width"}
PREDICTIONS = {  # the `prediction` output per task, as `atdt predict` gives it
    "semantic": "class ids int64 [batch, height, width]",
    "depth": "metres float32 [batch, height, width], times atdt.depth_scale",
    "normals": "unit normals float32 [batch, 3, height, width]",
}


class Deployed(nn.Module):
    """image (B, 3, H, W) -> (raw (B, C, H, W), the task's prediction)."""

    def __init__(self, model: nn.Module, task: Task, depth_scale: float = 1.0):
        super().__init__()
        self.model, self.task, self.depth_scale = model, task, depth_scale

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        raw = self.model(image)
        # atdt.engine.evaluate.predict: the one place where depth is rescaled, applied to raw as computed
        return raw, predict(lambda _: raw, image, self.task, self.depth_scale)


def _needs(module: str):
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ValueError(f"ONNX export needs {module}, which is not installed: pip install -e '.[export]'") from None


def export_onnx(model: nn.Module, task: Task, path, *, depth_scale: float = 1.0, metadata: dict | None = None) -> Path:
    """Write ``model`` (images -> raw output) and its task's prediction to ``path`` (fp32, CPU)."""
    for module in ("onnx", "onnxscript"):
        _needs(module)
    path = Path(path)
    deployed = Deployed(model.cpu().float().eval(), task, depth_scale).eval()
    example = torch.rand(*EXAMPLE, generator=torch.Generator().manual_seed(0))
    with contextlib.redirect_stdout(io.StringIO()):  # the exporter's progress lines
        program = torch.onnx.export(deployed, (example,), dynamo=True, input_names=["image"],
                                    output_names=["raw", "prediction"], dynamic_shapes={"image": DYNAMIC},
                                    verbose=False)
    program.model.metadata_props.update({
        "atdt.task": task.name, "atdt.depth_scale": repr(float(depth_scale)),
        "atdt.input": "image: RGB float32 [batch, 3, height, width] in [0, 1]",
        "atdt.outputs": f"raw: the network's output float32 [batch, {task.out_channels}, height, width]; "
                        f"prediction: {PREDICTIONS.get(task.name, task.name)}",
        **{f"atdt.{k}": str(v) for k, v in (metadata or {}).items()},
    })
    # one file, the weights inside (ONNX allows up to 2 GB), written atomically: program.save would
    # write through a link planted at path and leave half a file when stopped
    write_bytes(path, program.model_proto.SerializeToString())
    return path


def onnxruntime_difference(path, model: nn.Module, sizes=CHECK_SIZES, batch: int = 2) -> dict[tuple[int, int], float]:
    """Max |onnxruntime - PyTorch| of the raw output at each (H, W) of ``sizes``, on random images."""
    ort = _needs("onnxruntime")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    model = model.cpu().float().eval()
    generator = torch.Generator().manual_seed(0)
    differences = {}
    for h, w in sizes:
        image = torch.rand(batch, 3, h, w, generator=generator)
        with torch.no_grad():
            expected = model(image)
        (raw,) = session.run(["raw"], {"image": image.numpy()})
        differences[(h, w)] = float((torch.from_numpy(raw) - expected).abs().max())
    return differences
