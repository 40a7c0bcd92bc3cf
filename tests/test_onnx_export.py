"""The AT/DT predictor E1 -> G -> D2 as ONNX: dynamic batch, height and width, run in onnxruntime
and compared with PyTorch in fp32 at two image sizes (one no stride divides)."""

import numpy as np
import onnx  # the `export` extra, which the `test` extra (make test) includes
import onnxruntime as ort
import pytest
import torch

from atdt.config import NetworkConfig, TransferConfig
from atdt.engine.evaluate import predict
from atdt.method.predictor import ATDTPredictor, export_predictor, load_predictor, skip_stages
from atdt.method.steps import build_transfer
from atdt.networks import build_task_network
from atdt.onnx_export import export_onnx, onnxruntime_difference
from atdt.tasks import get_task


def _predictor_file(path):
    """An untrained semantic -> depth predictor with skips (E2's shallow stages run beside E1 and G)."""
    torch.manual_seed(0)
    network = NetworkConfig(split_level=3, skips=True, decoder_channels=(8, 8, 8))
    n1, n2 = build_task_network(network, 11), build_task_network(network, 1)
    for net in (n1, n2):  # batch-norm statistics away from 0 / 1, as after training
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1), m.running_var.uniform_(0.5, 2.0)
    transfer = TransferConfig(width=16)
    g = build_transfer(n1.encoder.out_channels[-1], n2.encoder.out_channels[-1], transfer)
    predictor = ATDTPredictor(n1.encoder, g, n2.decoder, e2_skips=skip_stages(n2), depth_scale=1.25)
    return export_predictor(predictor, path, task_source="semantic", task_target="depth", network=network,
                            transfer=transfer)


@pytest.mark.slow  # the dynamo exporter: tens of seconds on a loaded CPU
def test_predictor_runs_in_onnxruntime_as_in_pytorch(tmp_path):
    model, task = load_predictor(_predictor_file(tmp_path / "atdt_predictor.pt"))
    (tmp_path / "elsewhere.txt").write_text("not mine")
    (tmp_path / "atdt.onnx").symlink_to(tmp_path / "elsewhere.txt")  # a link at the target: replaced, not written through
    path = export_onnx(model, task, tmp_path / "atdt.onnx", depth_scale=model.depth_scale)
    assert not path.is_symlink() and (tmp_path / "elsewhere.txt").read_text() == "not mine"
    proto = onnx.load(path)
    dims = {v.name: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
            for v in [*proto.graph.input, *proto.graph.output]}
    assert dims == {"image": ["batch", 3, "height", "width"], "raw": ["batch", 1, "height", "width"],
                    "prediction": ["batch", "height", "width"]}
    meta = {p.key: p.value for p in proto.metadata_props}
    assert meta["atdt.task"] == "depth" and float(meta["atdt.depth_scale"]) == 1.25
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for batch, h, w in ((2, 64, 96), (1, 37, 53)):  # 37x53: odd feature maps all the way down, G included
        image = torch.rand(batch, 3, h, w)
        raw, depth = session.run(["raw", "prediction"], {"image": image.numpy()})
        with torch.no_grad():
            expected = model(image)
            expected_depth = predict(model, image, get_task("depth"), 1.25)
        assert raw.shape == (batch, 1, h, w) and depth.shape == (batch, h, w)
        assert np.abs(raw - expected.numpy()).max() < 1e-4  # measured: about 1e-7
        assert np.abs(depth - expected_depth.numpy()).max() < 1e-3  # metres: 100 m x sigmoid x 1.25
    differences = onnxruntime_difference(path, model)
    assert set(differences) == {(64, 128), (75, 131)} and max(differences.values()) < 1e-4
