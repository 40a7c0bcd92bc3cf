"""network.pretrained=imagenet[:version] through torchvision's weights API and the torch hub cache,
offline and without any download: the cache of each test is a temporary TORCH_HOME."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torchvision

from atdt.config import NetworkConfig
from atdt.networks import build_encoder, build_task_network
from atdt.networks.pretrained import torchvision_weights


@pytest.fixture
def hub(tmp_path, monkeypatch):
    """An empty torch hub cache, downloads off: a test that would download fails instead."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return tmp_path / "torch" / "hub" / "checkpoints"


def _save_resnet18(cache: Path) -> dict:
    """A resnet18 state dict under the file name torchvision's IMAGENET1K_V1 weights have in the cache."""
    torch.manual_seed(0)
    state = torchvision.models.resnet18(weights=None).state_dict()
    cache.mkdir(parents=True)
    torch.save(state, cache / Path(torchvision.models.ResNet18_Weights.IMAGENET1K_V1.url).name)
    return state


@pytest.mark.parametrize("spec", ["imagenet", "imagenet:V1"])
def test_imagenet_weights_come_from_the_torch_hub_cache(hub, spec):
    state = _save_resnet18(hub)
    encoder = build_encoder("resnet18", pretrained=spec)
    # stage 1 = conv1, bn1, relu, maxpool, layer1; stages 2-4 = layer2-4
    prefixes = [{"0.": "conv1.", "1.": "bn1.", "4.": "layer1."}, {"": "layer2."}, {"": "layer3."}, {"": "layer4."}]
    loaded = 0
    for stage, renames in zip(encoder.stages, prefixes):
        for key, value in stage.state_dict().items():
            ours, theirs = next((o, t) for o, t in renames.items() if key.startswith(o))
            assert torch.equal(value, state[theirs + key[len(ours):]]), key
            loaded += 1
    assert loaded == len([k for k in state if not k.startswith("fc.")])
    # the stages after the split (D's tail) get theirs too
    net = build_task_network(NetworkConfig(pretrained=spec, split_level=2), 3)
    assert torch.equal(net.decoder.tail[1][0].conv1.weight, state["layer4.0.conv1.weight"])


def test_offline_without_the_file_is_a_clear_error(hub):
    with pytest.raises(FileNotFoundError) as err:
        build_encoder("resnet18", pretrained="imagenet")
    message = str(err.value)
    assert "resnet18-f37072fd.pth" in message and str(hub) in message and "HF_HUB_OFFLINE=1" in message
    assert not hub.exists() or not any(hub.iterdir())  # nothing was downloaded


def test_versions_map_to_the_weights_enum_and_unknown_ones_list_the_choices():
    assert torchvision_weights("resnet50", None).name == "IMAGENET1K_V1"
    assert torchvision_weights("resnet50", "V2").name == "IMAGENET1K_V2"
    with pytest.raises(ValueError, match="choose one of: imagenet:V1$"):
        torchvision_weights("resnet18", "V2")


def test_a_foreign_file_in_the_cache_and_a_norm_without_batch_statistics_are_refused(hub):
    hub.mkdir(parents=True)
    (hub / "resnet18-f37072fd.pth").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="not a readable weight file"):
        build_encoder("resnet18", pretrained="imagenet")
    with pytest.raises(ValueError, match="norm=group"):
        build_encoder("resnet18", norm="group", pretrained="imagenet")


def test_a_weight_file_of_the_user_that_does_not_load_is_named(tmp_path):
    mine = tmp_path / "mine.pth"
    mine.write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError) as err:
        build_encoder("resnet18", pretrained=str(mine))
    assert str(err.value).startswith(f"network.pretrained={mine}: {mine} is not a readable weight file (")


def test_a_failed_download_is_one_clear_line_of_the_cli(tiny_world, tmp_path):
    """Online but unreachable (a proxy that refuses at once): `atdt train-task` names the URL and the
    cache folder, exits 2, and shows no traceback."""
    config = tmp_path / "c.yaml"
    config.write_text(f"task: semantic\ndomains: [{{name: world, root: {tiny_world / 'clean'}}}]\n"
                      "train: {steps: 1, batch_size: 2}\nruntime: {accelerator: cpu, progress: false}\n")
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("no_proxy", "hf_hub_offline")}
    env.update(TORCH_HOME=str(tmp_path / "torch"), https_proxy="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9")
    done = subprocess.run([sys.executable, "-m", "atdt", "train-task", str(config), "network.pretrained=imagenet",
                           "--out", str(tmp_path / "run")], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr
    assert "could not download https://download.pytorch.org/models/resnet18-f37072fd.pth" in done.stderr
    assert str(tmp_path / "torch" / "hub" / "checkpoints") in done.stderr and "Traceback" not in done.stderr
    assert not list((tmp_path / "torch").rglob("*.pth"))


def test_a_trained_network_is_reused_without_the_weight_file(hub, tiny_world, tmp_path, capsys):
    """The checkpoint holds every weight: rerunning a finished network offline needs no cache."""
    from atdt.cli import main

    _save_resnet18(hub)
    config = tmp_path / "c.yaml"
    config.write_text(f"task: semantic\ndomains: [{{name: world, root: {tiny_world / 'clean'}}}]\n"
                      "network: {pretrained: imagenet, decoder_channels: [8, 8, 8]}\n"
                      "train: {steps: 2, batch_size: 2}\nruntime: {accelerator: cpu, progress: false}\n")
    assert main(["train-task", str(config), "--out", str(tmp_path / "run")]) == 0
    for file in hub.iterdir():
        file.unlink()
    capsys.readouterr()
    assert main(["train-task", str(config), "--out", str(tmp_path / "run")]) == 0
    assert "run: reused" in capsys.readouterr().out
