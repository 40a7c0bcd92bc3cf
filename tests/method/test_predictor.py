"""A predictor file cannot predict silently wrong, nor cost gigabytes before it is refused: a
setting or weight edited after export breaks its digest, meta values are range-checked, settings
are checked against the weights' shapes before anything is built, and every refusal names the
file. Real exported files, real processes."""

import math
import os
import subprocess
import sys

import pytest
import torch

from atdt.cli import main
from atdt.config import NetworkConfig, TransferConfig
from atdt.engine.checkpoint import CheckpointError, payload_digest
from atdt.method.predictor import load_predictor
from atdt.method.steps import build_transfer, step4_transfer
from atdt.networks import build_task_network
from predictor_file import tiny_predictor


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    return tiny_predictor(tmp_path_factory.mktemp("predictor") / "atdt_predictor.pt")[0]


def _edited(exported, path, edit, *, reseal: bool = False):
    """The exported file with ``edit(payload)`` applied, saved as a user would (torch.save); with
    ``reseal`` its digest recomputed too, as someone forging a consistent file would."""
    payload = torch.load(exported, weights_only=True)
    edit(payload)
    if reseal:
        payload["digest"] = payload_digest(payload)
    torch.save(payload, path)
    return path


def _set(block, key, value):
    def edit(payload):
        payload[block][key] = value
    return edit


def _nudge_weight(payload):
    name = next(k for k, v in payload["state_dict"].items() if v.is_floating_point())
    payload["state_dict"][name] = payload["state_dict"][name] + 1e-3


EDITS = {"output_stride 8": _set("network", "output_stride", 8), "output_stride 16": _set("network", "output_stride", 16),
         "transfer.down 1": _set("transfer", "down", 1), "depth_scale -5": _set("meta", "depth_scale", -5.0),
         "depth_scale nan": _set("meta", "depth_scale", math.nan), "a weight": _nudge_weight}


@pytest.mark.parametrize("edit", EDITS.values(), ids=EDITS.keys())
def test_an_edited_predictor_is_refused_naming_the_file(exported, tmp_path, edit):
    path = _edited(exported, tmp_path / "edited.pt", edit)
    with pytest.raises(CheckpointError) as err:
        load_predictor(path)
    assert str(err.value).startswith(f"{path}: ") and "changed after it was written" in str(err.value)


def test_the_cli_refuses_an_edited_predictor_and_predicts_with_the_exported_one(exported, tmp_path):
    from atdt.data.io import write_image

    image = tmp_path / "street.png"
    write_image(image, torch.randint(0, 256, (32, 64, 3), dtype=torch.uint8).numpy())
    path = _edited(exported, tmp_path / "edited.pt", EDITS["output_stride 8"])
    done = subprocess.run([sys.executable, "-m", "atdt", "predict", str(path), str(image), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 2 and f"{path}: its settings or weights were changed" in done.stderr
    assert not (tmp_path / "out" / "street_semantic.npy").exists()
    assert main(["predict", str(exported), str(image), "--out", str(tmp_path / "out")]) == 0


@pytest.mark.parametrize("value", [-5.0, 0.0, math.nan, math.inf, "2", True])
def test_meta_values_are_range_checked_even_when_the_digest_matches(exported, tmp_path, value):
    path = _edited(exported, tmp_path / "forged.pt", _set("meta", "depth_scale", value), reseal=True)
    with pytest.raises(CheckpointError, match=r"meta.depth_scale must be a finite number > 0"):
        load_predictor(path)
    path = _edited(exported, tmp_path / "more.pt", _set("meta", "focal_ratio", 2.0), reseal=True)
    with pytest.raises(CheckpointError, match=r"unknown meta key\(s\) 'focal_ratio'"):
        load_predictor(path)


def test_a_predictor_of_the_previous_format_says_how_to_export_it_again(exported, tmp_path):
    def old(payload):
        payload["format"] = 2
        del payload["digest"]

    path = _edited(exported, tmp_path / "atdt_predictor.pt", old)
    with pytest.raises(CheckpointError, match=f"export it again: delete {tmp_path / 'results.json'} and rerun"):
        load_predictor(path)


def test_depth_scale_must_be_a_finite_positive_number(exported, tiny_world, capsys):
    from atdt.engine.evaluate import predict
    from atdt.tasks import get_task

    for bad in ("-1", "0", "nan", "inf"):
        with pytest.raises(SystemExit):
            main(["evaluate", str(exported), "--data", f"world:{tiny_world / 'camera'}:test", "--depth-scale", bad])
        assert "expected a finite number > 0" in capsys.readouterr().err
    model = load_predictor(exported)[0]
    for bad in (-1.0, math.nan, 0.0):
        with pytest.raises(ValueError, match="depth_scale must be a finite number > 0"):
            predict(model, torch.rand(1, 3, 32, 64), get_task("depth"), bad)


# measures the peak memory a refused load costs: before, G of width 4000 allocated gigabytes first
PEAK = """
import sys, torch, torchvision, cv2
import atdt.cli, atdt.engine, atdt.engine.evaluate, atdt.method.predictor, atdt.networks
def peak():
    return int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1]) * 1024
before = peak()
rc = atdt.cli.main(sys.argv[1:])
print('GROWTH', peak() - before)
sys.exit(rc)
"""


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads the peak memory from /proc")
@pytest.mark.parametrize("weights", ["none", "the exported ones"])
def test_settings_are_checked_against_the_weights_before_anything_big_is_built(exported, tmp_path, weights):
    def huge(payload):
        payload["transfer"]["width"] = 4000  # 6 layers of 4000x4000 3x3 convolutions: gigabytes
        if weights == "none":
            payload["state_dict"] = {}

    path = _edited(exported, tmp_path / "huge.pt", huge, reseal=True)
    assert path.stat().st_size < (2_000 if weights == "none" else 100_000_000)
    image = tmp_path / "x.png"
    from atdt.data.io import write_image

    write_image(image, torch.zeros(32, 64, 3, dtype=torch.uint8).numpy())
    done = subprocess.run([sys.executable, "-c", PEAK, "predict", str(path), str(image), "--out", str(tmp_path / "o")],
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 2 and f"{path}: not an AT/DT predictor: its settings do not match its weights" in done.stderr
    assert ("missing" if weights == "none" else "of another shape") in done.stderr
    growth = int(done.stdout.split("GROWTH")[1].split()[0])
    assert growth < 256 * 2**20, f"refusing the file cost {growth / 2**20:.0f} MiB"


SIZE = (32, 48)  # stage 4 at output stride 32 is 1x2: the smallest map every part must handle


def test_an_exported_predictor_with_skips_rebuilds(tmp_path):
    from atdt.method.predictor import export_predictor, load_predictor

    network = NetworkConfig(split_level=3, skips=True, decoder_channels=(8, 8, 8))
    transfer = TransferConfig(width=8)
    n1, n2 = build_task_network(network, 1).eval(), build_task_network(network, 11).eval()
    predictor = step4_transfer(n1.encoder, build_transfer(256, 256, transfer).eval(), n2)
    path = export_predictor(predictor, tmp_path / "p.pt", task_source="depth", task_target="semantic",
                            network=network, transfer=transfer)
    loaded, _ = load_predictor(path)
    x = torch.rand(1, 3, *SIZE)
    with torch.no_grad():
        assert torch.equal(loaded(x), predictor(x))
