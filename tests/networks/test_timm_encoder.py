"""network.encoder=timm:<name>: a timm model with features_only=True as E; stages, split level,
output stride, refusals, weights from a local file and the offline error of timm's download."""

import os
import subprocess
import sys

import pytest
import timm  # the `timm` extra, which the `test` extra (make test) includes
import torch

from atdt.config import NetworkConfig
from atdt.networks import build_encoder, build_task_network, cut_at
from atdt.validate import check_network


@pytest.mark.parametrize("stride", (32, 16, 8))
def test_every_split_level_builds_and_decodes_to_full_resolution(stride):
    x = torch.rand(2, 3, 48, 80)
    for split in (1, 2, 3, 4):
        net = build_task_network(NetworkConfig(encoder="timm:resnet10t", output_stride=stride, split_level=split,
                                               decoder_channels=(8, 8, 8), skips=split > 1), 3).eval()
        with torch.no_grad():
            features = net.encode(x)
            out = net(x)
        assert net.encoder.out_channels == [64, 128, 256, 512][:split] == [f.shape[1] for f in features]
        assert net.encoder.reductions == [4, 8, min(16, stride), stride][:split]
        assert features[-1].shape[-1] == -(-80 // net.encoder.reductions[-1])
        assert out.shape == (2, 3, 48, 80)


def test_the_stem_is_no_stage_and_first_shares_the_weights():
    encoder = build_encoder("timm:mobilenetv3_small_050")  # feature_info: reductions 2, 4, 8, 16, 32
    assert encoder.reductions == [4, 8, 16, 32]
    head = encoder.first(2)
    assert head.model is encoder.model and head.out_channels == encoder.out_channels[:2]
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        assert all(torch.equal(a, b) for a, b in zip(head.eval()(x), encoder.eval()(x)[:2]))


def test_stages_are_feature_indices_where_the_default_outputs_skip_a_feature():
    encoder = build_encoder("timm:dla46_c")  # 6 features (reductions 1..32), by default out_indices 1..5
    assert encoder.reductions == [4, 8, 16, 32] and encoder.out_channels == [64, 64, 128, 256]
    with torch.no_grad():
        features = encoder.eval()(torch.rand(1, 3, 64, 64))
    assert [f.shape[1:] for f in features] == [(64, 16, 16), (64, 8, 8), (128, 4, 4), (256, 2, 2)]


def test_unsupported_choices_are_refused_naming_the_key():
    problems = []
    check_network(problems, "network", NetworkConfig(encoder="timm:resnet10t", norm="group", split_level=5))
    assert any(p.startswith("network.norm: group does not apply to timm:resnet10t") for p in problems)
    assert any(p.startswith("network.split_level: must be 1..4 for timm:resnet10t") for p in problems)
    for network, expected in [
        (NetworkConfig(encoder="timm:no_such_net"), "network.encoder: unknown timm model 'no_such_net'"),
        (NetworkConfig(encoder="timm:vit_tiny_patch16_224", output_stride=16), "does not build with output_stride=16"),
        (NetworkConfig(encoder="timm:resnet10t", pretrained="imagenet:v9"), "choose one of: imagenet:c3_in1k"),
    ]:
        problems = []
        check_network(problems, "network", network)
        assert any(expected in p for p in problems), problems
    with pytest.raises(ValueError, match="norm=instance does not apply"):
        build_encoder("timm:resnet10t", norm="instance")
    net = build_task_network(NetworkConfig(encoder="timm:resnet10t", decoder_channels=(8, 8, 8)), 3)
    with pytest.raises(ValueError, match="no tail"):
        cut_at(net, NetworkConfig(encoder="timm:resnet10t", split_level=2))


def test_pretrained_weights_load_from_a_local_file(tmp_path):
    torch.manual_seed(0)
    reference = timm.create_model("resnet10t")
    torch.save(reference.state_dict(), tmp_path / "r10t.pth")
    encoder = build_encoder("timm:resnet10t", pretrained=str(tmp_path / "r10t.pth"))
    assert torch.equal(encoder.model.conv1[0].weight, reference.conv1[0].weight)
    assert torch.equal(encoder.model.layer4[0].conv2.weight, reference.layer4[0].conv2.weight)


def test_a_local_weight_file_that_does_not_load_is_named(tmp_path):
    mine = tmp_path / "r10t.pth"
    mine.write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError) as err:
        build_encoder("timm:resnet10t", pretrained=str(mine))
    assert str(err.value).startswith(f"network.pretrained={mine}: {mine} is not a readable weight file (")
    with pytest.raises(FileNotFoundError, match=f"network.pretrained={tmp_path / 'gone.pth'}: no weight file at"):
        build_encoder("timm:resnet10t", pretrained=str(tmp_path / "gone.pth"))


def test_the_offline_switch_is_read_when_the_error_is_made(monkeypatch):
    from atdt.networks.pretrained import timm_download_error

    for value, words in (("1", "and downloads are off (HF_HUB_OFFLINE=1)"), ("0", "and the download failed (OSError)")):
        monkeypatch.setenv("HF_HUB_OFFLINE", value)  # huggingface_hub's constant keeps its value from the import
        assert words in str(timm_download_error("resnet10t.c3_in1k", "imagenet", OSError("no network")))


def test_offline_without_the_weights_is_one_clear_line_of_the_cli(tiny_world, tmp_path):
    """timm downloads from the Hugging Face hub; offline with an empty cache `atdt train-task` names
    the cache folder and exits 2 without a traceback."""
    config = tmp_path / "c.yaml"
    config.write_text(f"task: semantic\ndomains: [{{name: world, root: {tiny_world / 'clean'}}}]\n"
                      "train: {steps: 1, batch_size: 2}\nruntime: {accelerator: cpu, progress: false}\n")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    done = subprocess.run([sys.executable, "-m", "atdt", "train-task", str(config), "network.encoder=timm:resnet10t",
                           "network.pretrained=imagenet", "--out", str(tmp_path / "run")],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr
    assert str(tmp_path / "hf" / "hub" / "models--timm--resnet10t.c3_in1k") in done.stderr
    assert "HF_HUB_OFFLINE=1" in done.stderr and "Traceback" not in done.stderr
