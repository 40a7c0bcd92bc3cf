"""Nothing is written outside the folder the user named: ids that leave their dataset's folder are
refused by every loader that reads ids (and reported by `atdt data check`), and writers keep
their targets inside their output folder even through links. Real files, real processes."""

import shutil
import subprocess
import sys

import numpy as np
import pytest

from atdt.cli import main
from atdt.data import load_dataset
from atdt.data.check import check_split
from atdt.data.errors import DatasetError
from atdt.data.ids import check_id, leaves_folder, read_split_list
from atdt.data.io import output_path, write_image

ESCAPING = ["../../../escaped/pwn", "/tmp/escaped/pwn", "a/../../escaped", "..", ""]


def _atdt(*args, cwd):
    return subprocess.run([sys.executable, "-m", "atdt", *map(str, args)], capture_output=True, text=True,
                          timeout=300, cwd=cwd, check=False)


@pytest.mark.parametrize("value", ESCAPING)
def test_ids_that_leave_the_folder_are_refused_naming_the_list(tmp_path, value):
    assert leaves_folder(value)
    with pytest.raises(DatasetError) as err:
        check_id(value, tmp_path / "train.txt")
    assert str(err.value).startswith(f"{tmp_path / 'train.txt'}: ") and repr(value) in str(err.value)


@pytest.mark.parametrize("value", ["000001", "city/stem", "a/./b", "x..y"])
def test_ids_below_the_folder_pass(value):
    assert not leaves_folder(value) and check_id(value, "list.txt") == value


def test_split_lists_are_read_one_way(tmp_path):
    path = tmp_path / "train.txt"
    path.write_text("# my ids\na b\n  c\n")
    assert read_split_list(path, comments=True) == ["a", "b", "c"]
    path.write_text("a\nb a\n")
    with pytest.raises(DatasetError, match=r"train.txt: sample id\(s\) listed more than once: a$"):
        read_split_list(path)
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(DatasetError, match="train.txt: not a text file"):
        read_split_list(path)


def test_a_folder_split_list_is_checked_like_the_worlds(tmp_path):
    root = tmp_path / "mine"
    write_image(root / "images/x.png", np.zeros((2, 2, 3), np.uint8))
    (root / "splits").mkdir()
    listing = root / "splits/train.txt"
    for text, words in (("x\n../../escaped/pwn\n", "sample id '../../escaped/pwn' leaves the dataset's folder"),
                        ("# ids\nx\nx\n", "sample id(s) listed more than once: x")):
        listing.write_text(text)
        with pytest.raises(DatasetError) as err:
            load_dataset("folder", root, "train")
        assert str(err.value).startswith(f"{listing}: ") and words in str(err.value)
    listing.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")  # a binary file: named, and not a missing split
    report = check_split("folder", root, "train", progress=False)
    assert report.missing is None and not report.usable
    assert report.bad == [f"{listing}: not a text file (a split list names one sample id a line)"]


@pytest.fixture
def planted(tiny_world, tmp_path):
    """A copy of the tiny world's camera domain whose train list names an id that climbs out."""
    root = tmp_path / "data" / "camera"
    shutil.copytree(tiny_world / "camera", root)
    ids = (root / "train.txt").read_text().split()
    (root / "train.txt").write_text("\n".join([ids[0], "../../../escaped/pwn", *ids[1:]]) + "\n")
    return root


def test_proxy_depth_and_data_check_refuse_an_escaping_id(planted, tmp_path, capsys):
    out = tmp_path / "data" / "proxy"
    done = _atdt("proxy-depth", "world", planted, "--split", "train", "--out", out, "--quiet", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert f"{planted / 'train.txt'}: sample id '../../../escaped/pwn' leaves the dataset's folder" in done.stderr
    assert not list(tmp_path.rglob("pwn*")) and not list(out.rglob("*.png"))  # nothing written anywhere
    assert main(["data", "check", "world", str(planted), "--quiet"]) == 1
    assert "'../../../escaped/pwn' leaves the dataset's folder" in capsys.readouterr().out
    # not a bad sample that training could skip: the split itself is refused
    assert main(["data", "check", "world", str(planted), "--split", "train", "--skip-bad", "--quiet"]) == 1


def test_file_lists_and_split_names_are_checked_too(tmp_path, tiny_world):
    (tmp_path / "val.txt").write_text("img/l.png;img/r.png;sem/s.png;dep/d.png\n../x/l.png;img/r.png\n")
    with pytest.raises(DatasetError) as err:
        load_dataset("filelist", tmp_path, "val")
    assert "line 2: path '../x/l.png' leaves" in str(err.value) and str(tmp_path / "val.txt") in str(err.value)
    (tmp_path / "val.txt").write_text(f"{tiny_world / 'camera/train/image/000000.png'};\n")
    with pytest.raises(DatasetError, match="leaves the dataset's folder"):
        load_dataset("filelist", tmp_path, "val")
    for name in ("world", "cityscapes", "kitti", "carla"):
        with pytest.raises(DatasetError, match="split '../camera' leaves"):
            load_dataset(name, tiny_world / "clean", "../camera")


def test_writers_refuse_targets_outside_their_folder_even_through_links(tiny_world, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "proxy"
    out.mkdir()
    (out / "train").symlink_to(elsewhere, target_is_directory=True)  # a link planted in the output folder
    done = _atdt("proxy-depth", "world", tiny_world / "camera", "--split", "train", "--out", out, "--quiet",
                 cwd=tmp_path)
    assert done.returncode == 2 and "would be written outside" in done.stderr
    assert not any(elsewhere.iterdir())
    for name in ("../x.png", "/tmp/x.png", "a/../../x.png", "train/x.png"):
        with pytest.raises(ValueError, match="outside|not a file name"):
            output_path(out, name)
    assert output_path(out, "a/b.png") == out.resolve() / "a" / "b.png"
    # the world writer refuses a split that climbs out of its --out, before rendering anything
    assert main(["world", "make", "--domain", "clean", "--split", "../escaped", "--count", "1", "--size", "32x64",
                 "--out", str(tmp_path / "w"), "--quiet"]) == 2
    assert not (tmp_path / "escaped").exists() and not list(tmp_path.rglob("*.txt"))
    (tmp_path / "w" / "val").symlink_to(elsewhere, target_is_directory=True)  # a split folder linking out
    assert main(["world", "make", "--domain", "clean", "--split", "val", "--count", "1", "--size", "32x64",
                 "--out", str(tmp_path / "w"), "--quiet"]) == 2
    assert not any(elsewhere.iterdir())


def test_translate_refuses_an_escaping_id_before_training(planted, tiny_world, tmp_path):
    test_list = planted / "test.txt"
    test_list.write_text(test_list.read_text() + "../../../escaped/pwn\n")
    (planted / "train.txt").write_text("\n".join(load_dataset("world", tiny_world / "camera", "train").ids) + "\n")
    out = tmp_path / "tr"
    done = _atdt("translate", f"world:{tiny_world / 'clean'}", f"world:{planted}", "train.steps=2",
                 "--out", out, "--quiet", cwd=tmp_path)
    assert done.returncode == 2 and "'../../../escaped/pwn' leaves the dataset's folder" in done.stderr
    assert not (out / "checkpoints").exists() and not list(tmp_path.rglob("pwn*"))
