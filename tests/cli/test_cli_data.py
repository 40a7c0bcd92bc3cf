"""`atdt data`: your own data end to end, as docs/datasets.md's worked example does it: a world
domain exported to the folder format, checked, given stereo proxy depth and used as domain B."""

import json

import pytest
from tensorboard_events import read_events

from atdt.cli import main


@pytest.mark.slow  # ~40 s: a whole tiny experiment
def test_a_world_domain_as_your_own_data_runs_the_experiment(tiny_world, tmp_path, capsys):
    street, proxy = tmp_path / "street", tmp_path / "street-proxy"
    assert main(["data", "export", "world", str(tiny_world / "camera"), "--out", str(street), "--quiet"]) == 0
    assert "train 12 samples, val 4 samples, test 4 samples" in capsys.readouterr().out
    assert main(["data", "check", "folder", str(street), "--quiet"]) == 0
    assert capsys.readouterr().out.splitlines() == ["test: 4 samples, ok", "train: 12 samples, ok", "val: 4 samples, ok"]
    assert main(["proxy-depth", "folder", str(street), "--split", "train", "--out", str(proxy), "--quiet"]) == 0
    assert "12 proxy depth maps" in capsys.readouterr().out
    assert len(list(proxy.rglob("*.png"))) == 12
    assert main(["run", "tiny", f"domain_a.root={tiny_world / 'clean'}", "domain_b.name=folder", f"domain_b.root={street}",
                 f"domain_b.depth_root={proxy}", f"out={tmp_path / 'runs'}"]) == 0
    seed = tmp_path / "runs" / "tiny" / "seed0"
    results = json.loads((seed / "results.json").read_text())
    assert results["domain_b"] == "folder/street"
    assert set(results["methods"]) == {"baseline", "atdt", "oracle"}
    # N1 learnt depth on A and on the folder domain: its TensorBoard shows a prediction on each
    _, images = read_events(seed / "n1")
    assert {"predictions/world/clean", "predictions/folder/street+proxy"} == set(images)


def test_a_bad_folder_fails_the_check_naming_the_file(tmp_path, capsys):
    from fixture_files import image

    from atdt.data.io import write_image

    root = tmp_path / "mine"
    write_image(root / "images/a.png", image())
    write_image(root / "semantic/a.png", image())  # RGB where label values belong
    (root / "splits").mkdir()
    (root / "splits/train.txt").write_text("a\nb\n")  # b has no image
    assert main(["data", "check", "folder", str(root), "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "train: 2 samples, 2 problem(s)" in out
    assert f"{root / 'semantic/a.png'}: semantic label PNG must be single-channel" in out
    assert f"{root / 'images/b.png'}: file is missing" in out


def test_only_an_option_given_is_blamed_for_a_type_error(tmp_path, capsys):
    """--option KEY=VALUE the format does not take is named; without options a TypeError is not
    the user's option (here a loader's own, from a label map naming a class in a list)."""
    from fixture_files import image

    from atdt.data.io import write_image

    root = tmp_path / "mine"
    write_image(root / "images/a.png", image())
    (root / "splits").mkdir()
    (root / "splits/train.txt").write_text("a\n")
    assert main(["data", "check", "folder", str(root), "--quiet", "--option", "colour=red"]) == 2
    err = capsys.readouterr().err
    assert "atdt data: error: --option: " in err and "'colour'" in err
    (root / "labels.yaml").write_text("{1: [road]}\n")
    try:
        main(["data", "check", "folder", str(root), "--quiet"])
    except TypeError:
        pass  # a loader's bug surfaces as itself, with its traceback
    assert "--option" not in capsys.readouterr().err
