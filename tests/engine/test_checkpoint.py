"""A file that is not a checkpoint is named with what is wrong; nothing in a file is executed."""

import io
import os

import pytest
import torch

from atdt.cli import main
from atdt.config import NetworkConfig
from atdt.engine.checkpoint import (CheckpointError, final_checkpoint, is_finished, last_checkpoint, load_checkpoint,
                                   network_to_build, save_checkpoint)
from atdt.method.predictor import ATDTPredictor, export_predictor, load_predictor


def _real(tmp_path):
    path = tmp_path / "real.ckpt"
    save_checkpoint(path, {"model": torch.nn.Linear(64, 64).state_dict(), "step": 3})
    return path


def test_a_training_under_way_keeps_last_ckpt_beside_final_ckpt(tmp_path):
    """``last_checkpoint`` is where the loop resumes from: a network with one there is built
    without its pretrained weights (the checkpoint holds every weight), and is not finished."""
    assert last_checkpoint(tmp_path) == final_checkpoint(tmp_path).with_name("last.ckpt")
    network = NetworkConfig(pretrained="imagenet")
    assert network_to_build(network, tmp_path).pretrained == "imagenet"
    save_checkpoint(last_checkpoint(tmp_path), {"model": {}, "step": 1})
    assert network_to_build(network, tmp_path).pretrained is None and not is_finished(tmp_path)


def _text(tmp_path):
    path = tmp_path / "notes.pt"
    path.write_text("these are my notes, not weights\n")
    return path, "not a PyTorch checkpoint"


def _empty(tmp_path):
    path = tmp_path / "empty.pt"
    path.write_bytes(b"")
    return path, "empty file (0 bytes)"


def _truncated(tmp_path):
    data = _real(tmp_path).read_bytes()
    path = tmp_path / "cut.pt"
    path.write_bytes(data[: len(data) // 2])
    return path, "not a PyTorch checkpoint"


def _corrupt_member(tmp_path):
    data = bytearray(_real(tmp_path).read_bytes())
    start = len(data) // 4
    data[start : start + 2000] = bytes(2000)  # the archive's index is intact, a record is not
    path = tmp_path / "corrupt.pt"
    path.write_bytes(bytes(data))
    return path, "corrupt or truncated checkpoint"


class Boom:
    def __reduce__(self):
        return (os.system, ("touch " + os.environ["ATDT_TEST_MARKER"],))


def _code(tmp_path):
    path = tmp_path / "evil.pt"
    buffer = io.BytesIO()
    torch.save({"kind": "atdt-predictor", "task": "semantic", "module": Boom()}, buffer)
    path.write_bytes(buffer.getvalue())
    return path, "holds Python objects other than weights"


@pytest.mark.parametrize("fake", [_text, _empty, _truncated, _corrupt_member, _code])
def test_fake_checkpoints_are_named_and_never_executed(tmp_path, monkeypatch, capsys, fake):
    marker = tmp_path / "executed"
    monkeypatch.setenv("ATDT_TEST_MARKER", str(marker))
    path, problem = fake(tmp_path)
    with pytest.raises(CheckpointError) as err:
        load_checkpoint(path)
    assert str(err.value).startswith(f"{path}: ") and problem in str(err.value)
    image = tmp_path / "x.png"
    from atdt.data.io import write_image

    write_image(image, torch.zeros(8, 8, 3, dtype=torch.uint8).numpy())
    assert main(["predict", str(path), str(image), "--out", str(tmp_path / "pred")]) == 2
    assert f"{path}: " in capsys.readouterr().err
    assert not marker.exists()


def test_an_exported_predictor_rebuilds_from_weights_alone(tmp_path):
    from atdt.config import NetworkConfig, TransferConfig
    from atdt.networks import TransferNetwork, build_task_network

    network = NetworkConfig(decoder_channels=(8, 8, 8))
    n1, n2 = build_task_network(network, 1), build_task_network(network, 11)
    g = TransferNetwork(512, 512, width=16)
    predictor = ATDTPredictor(n1.encoder, g, n2.decoder, depth_scale=1.5).eval()
    path = export_predictor(predictor, tmp_path / "p.pt", task_source="depth", task_target="semantic",
                            network=network, transfer=TransferConfig(width=16))
    loaded, task = load_predictor(path)
    x = torch.rand(1, 3, 32, 64)
    with torch.no_grad():
        assert torch.equal(loaded(x), predictor(x))
    assert task.name == "semantic" and loaded.depth_scale == 1.5
    assert "module" not in torch.load(path, weights_only=True)


class Indexed(torch.nn.Module):
    """A layer with a buffer its state dict leaves out (as timm's attention-bias indices)."""

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(4, 4)
        self.register_buffer("index", torch.arange(1000, 1064), persistent=False)


def test_buffers_outside_the_state_dict_hold_what_the_constructor_computes(tmp_path):
    from atdt.engine.checkpoint import build_checked

    torch.manual_seed(0)
    trained = Indexed()
    torch.manual_seed(1)  # another init: the weights must come from the state dict
    model = build_checked(tmp_path / "x.ckpt", "an indexed layer", Indexed, trained.state_dict())
    assert torch.equal(model.index, torch.arange(1000, 1064)) and model.index.device.type == "cpu"
    assert torch.equal(model.linear.weight, trained.linear.weight)


def test_a_timm_network_with_index_buffers_loads_back(tmp_path):
    """timm's EfficientViT keeps its attention-bias indices out of the state dict: a finished
    network rebuilt from its checkpoint predicts as the one saved."""
    pytest.importorskip("timm")
    from atdt.config import NetworkConfig
    from atdt.engine import load_task_network
    from atdt.networks import build_task_network
    from atdt.typed_config import to_dict

    network = NetworkConfig(encoder="timm:efficientvit_m0", decoder_channels=(8, 8, 8), split_level=2)
    torch.manual_seed(0)
    trained = build_task_network(network, 11).eval()
    save_checkpoint(final_checkpoint(tmp_path), {"model": trained.state_dict(), "config": {
        "task": "semantic", "network": to_dict(network), "train": {}}}, seal=True)
    loaded, _, _ = load_task_network(tmp_path)
    x = torch.rand(1, 3, 32, 64)
    with torch.no_grad():
        assert torch.allclose(loaded(x), trained(x))
