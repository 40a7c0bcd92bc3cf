"""`data check` finds each planted fault, and the loaders raise it with the same words."""

import shutil

import numpy as np
import pytest

from atdt.cli import main
from atdt.data import load_dataset
from atdt.data.check import check_dataset
from atdt.data.errors import DatasetError
from atdt.data.io import write_bytes, write_image


def _faults(reports):
    return "\n".join(line for r in reports for line in r.bad)


def test_a_clean_tree_passes(cityscapes_tree, capsys):
    reports = check_dataset("cityscapes", cityscapes_tree, "val", progress=False)
    assert reports[0].samples == 1 and not reports[0].bad
    assert main(["data", "check", "cityscapes", str(cityscapes_tree), "--split", "val", "--quiet"]) == 0
    assert "1 samples, ok" in capsys.readouterr().out


def test_each_planted_fault_is_found(cityscapes_tree, capsys):
    city = cityscapes_tree / "leftImg8bit/val/aachen"
    # a second image with a missing label, a third unreadable, a fourth with a size mismatch,
    # an unknown label id in the first, and a right image without a left one
    for stem, seed in (("aachen_000001_000019", 1), ("aachen_000002_000019", 2), ("aachen_000003_000019", 3)):
        write_image(city / f"{stem}_leftImg8bit.png", np.zeros((6, 8, 3), np.uint8))
        for folder in ("camera",):
            src = next((cityscapes_tree / folder / "val/aachen").glob("*.json"))
            (src.parent / f"{stem}_camera.json").write_text(src.read_text())
        write_image(cityscapes_tree / f"disparity/val/aachen/{stem}_disparity.png", np.zeros((6, 8), np.uint16))
        write_image(cityscapes_tree / f"rightImg8bit/val/aachen/{stem}_rightImg8bit.png", np.zeros((6, 8, 3), np.uint8))
    write_bytes(city / "aachen_000002_000019_leftImg8bit.png", b"not a png")
    write_image(cityscapes_tree / "gtFine/val/aachen/aachen_000002_000019_gtFine_labelIds.png", np.full((6, 8), 7, np.uint8))
    write_image(cityscapes_tree / "gtFine/val/aachen/aachen_000003_000019_gtFine_labelIds.png", np.full((5, 8), 7, np.uint8))
    labels = cityscapes_tree / "gtFine/val/aachen/aachen_000000_000019_gtFine_labelIds.png"
    write_image(labels, np.full((6, 8), 99, np.uint8))
    write_image(cityscapes_tree / "rightImg8bit/val/aachen/aachen_000009_000019_rightImg8bit.png", np.zeros((6, 8, 3), np.uint8))
    found = _faults(check_dataset("cityscapes", cityscapes_tree, "val", progress=False))
    assert "aachen_000000_000019_gtFine_labelIds.png: label ids outside" in found
    assert "aachen_000001_000019_gtFine_labelIds.png: file is missing" in found
    assert "aachen_000002_000019_leftImg8bit.png: unreadable" in found
    assert "aachen_000003_000019_gtFine_labelIds.png: size (5, 8) differs" in found
    assert "aachen_000009_000019_rightImg8bit.png: no matching left image" in found
    assert main(["data", "check", "cityscapes", str(cityscapes_tree), "--split", "val", "--quiet"]) == 1
    # every sample is bad: training could not skip its way out, so --skip-bad does not pass either
    assert main(["data", "check", "cityscapes", str(cityscapes_tree), "--split", "val", "--quiet", "--skip-bad"]) == 1
    write_image(labels, np.full((6, 8), 7, np.uint8))  # one good sample left
    assert main(["data", "check", "cityscapes", str(cityscapes_tree), "--split", "val", "--quiet", "--skip-bad"]) == 0
    assert "3 sample(s) that fail to load are left out of training with `skip_bad: true`" in capsys.readouterr().out


# --------------------------------------------------------------------------- every planted fault, every format


@pytest.fixture(scope="module")
def world_master(tmp_path_factory):
    from atdt.world.writer import make_dataset

    root = tmp_path_factory.mktemp("world-master")
    make_dataset("clean", "train", 3, (32, 64), root, workers=1, progress=False)
    return root


@pytest.fixture
def world(world_master, tmp_path):
    shutil.copytree(world_master, tmp_path / "w")
    return tmp_path / "w"


def _semantic_id_50(root):
    ids = np.zeros((32, 64), np.uint8)
    ids[0, 0] = 50
    write_image(root / "train/semantic/000001.png", ids)
    return "train/semantic/000001.png: class ids outside 0..10 and 255: [50]"


def _semantic_as_rgb(root):
    write_image(root / "train/semantic/000001.png", np.zeros((32, 64, 3), np.uint8))
    return "train/semantic/000001.png: semantic label PNG must be single-channel ids, got 3 channels"


def _depth_8bit(root):
    write_image(root / "train/depth/000001.png", np.full((32, 64), 200, np.uint8))
    return "train/depth/000001.png: depth PNG must be 1-channel 16-bit, got 1-channel 8-bit"


def _normals_gray(root):
    write_image(root / "train/normals/000001.png", np.zeros((32, 64), np.uint8))
    return "train/normals/000001.png: normals PNG must be 3-channel 16-bit, got 1-channel 8-bit"


@pytest.mark.parametrize("plant", [_semantic_id_50, _semantic_as_rgb, _depth_8bit, _normals_gray])
def test_world_label_faults_are_found_by_the_check_and_named_by_the_loader(world, plant):
    expected = plant(world)
    found = _faults(check_dataset("world", world, "train", progress=False))
    assert expected in found
    with pytest.raises(DatasetError) as err:
        load_dataset("world", world, "train")[1]
    assert expected in str(err.value)
    load_dataset("world", world, "train")[0]  # the others still load


def test_unpaired_world_files_and_empty_splits_are_found(world):
    (world / "train/right/000002.png").unlink()
    write_image(world / "train/semantic/000007.png", np.zeros((32, 64), np.uint8))
    (world / "val.txt").write_text("")
    found = _faults(check_dataset("world", world, progress=False))
    assert "train/right/000002.png: file is missing" in found
    assert "train/semantic/000007.png: no matching left image (unpaired file)" in found
    assert "split 'val' is empty" in found


def test_skip_bad_leaves_out_exactly_what_the_check_reports(world, capsys):
    _semantic_id_50(world)
    report = check_dataset("world", world, "train", progress=False)[0]
    kept = load_dataset("world", world, "train", skip_bad=True)
    assert kept.names == ["train/000000", "train/000002"] and kept.skipped == report.bad
    assert all(kept[i]["semantic"].max() <= 10 for i in range(len(kept)))
    assert main(["data", "check", "world", str(world), "--split", "train", "--quiet", "--skip-bad"]) == 0


def test_label_modes_of_the_official_formats(cityscapes_tree, kitti_tree, tmp_path):
    city = cityscapes_tree / "gtFine/val/aachen/aachen_000000_000019_gtFine_labelIds.png"
    write_image(city, np.full((6, 8, 3), 7, np.uint8))
    disparity = cityscapes_tree / "disparity/val/aachen/aachen_000000_000019_disparity.png"
    write_image(disparity, np.full((6, 8), 9, np.uint8))
    found = _faults(check_dataset("cityscapes", cityscapes_tree, "val", progress=False))
    assert f"{city}: semantic label PNG must be single-channel ids, got 3 channels" in found
    write_image(city, np.full((6, 8), 7, np.uint8))
    found = _faults(check_dataset("cityscapes", cityscapes_tree, "val", progress=False))
    assert f"{disparity}: disparity PNG must be 1-channel 16-bit, got 1-channel 8-bit" in found

    kitti_disp = kitti_tree / "training/disp_occ_0/000000_10.png"
    write_image(kitti_disp, np.full((6, 1242), 9, np.uint8))
    assert f"{kitti_disp}: disparity PNG must be 1-channel 16-bit" in _faults(
        check_dataset("kitti", kitti_tree, "training", progress=False))

    write_image(tmp_path / "fl/l.png", np.zeros((2, 2, 3), np.uint8))
    write_image(tmp_path / "fl/s.png", np.full((2, 2), 50, np.uint8))
    write_image(tmp_path / "fl/d.png", np.full((2, 2), 9, np.uint8))
    (tmp_path / "fl/train.txt").write_text("l.png;;s.png;d.png\n")
    found = _faults(check_dataset("filelist", tmp_path / "fl", "train", progress=False,
                                  semantic_encoding="ids", depth_encoding="png16"))
    assert "s.png: class ids outside 0..10 and 255: [50]" in found
    write_image(tmp_path / "fl/s.png", np.full((2, 2), 5, np.uint8))
    found = _faults(check_dataset("filelist", tmp_path / "fl", "train", progress=False,
                                  semantic_encoding="ids", depth_encoding="png16"))
    assert "d.png: depth PNG must be 1-channel 16-bit, got 1-channel 8-bit" in found


def test_proxy_depth_in_8_bit_is_named(world, tmp_path):
    for name in ("000000", "000001", "000002"):
        write_image(tmp_path / f"proxy/train/{name}.png", np.full((32, 64), 5 * 256, np.uint16))
    write_image(tmp_path / "proxy/train/000001.png", np.full((32, 64), 5, np.uint8))
    proxied = load_dataset("world", world, "train", depth_root=tmp_path / "proxy")
    assert float(proxied[0]["depth"].max()) == 5.0
    with pytest.raises(DatasetError, match="000001.png: proxy depth PNG must be 1-channel 16-bit"):
        proxied[1]


# --------------------------------------------------------------------------- what would break a run later


def _check_exits(root, *extra):
    return main(["data", "check", "world", str(root), "--split", "train", "--quiet", *extra])


def test_samples_listed_twice_are_found(world, tmp_path, capsys):
    (world / "train.txt").write_text((world / "train.txt").read_text() + "000001\n")
    found = _faults(check_dataset("world", world, "train", progress=False))
    assert "train.txt: sample id(s) listed more than once: 000001" in found
    with pytest.raises(DatasetError, match="listed more than once: 000001"):
        load_dataset("world", world, "train")  # proxy depth would write 3 files for "4 samples"
    assert _check_exits(world) == 1 and _check_exits(world, "--skip-bad") == 1
    # a file list naming one image on two lines
    write_image(tmp_path / "fl/l.png", np.zeros((2, 2, 3), np.uint8))
    write_image(tmp_path / "fl/s.png", np.full((2, 2), 5, np.uint8))
    (tmp_path / "fl/train.txt").write_text("l.png;;s.png\nl.png;;s.png\n")
    words = f"{tmp_path / 'fl/train.txt'}: left image(s) listed more than once: {tmp_path / 'fl/l.png'}"
    with pytest.raises(DatasetError) as err:  # the file list is refused like a split list
        load_dataset("filelist", tmp_path / "fl", "train", semantic_encoding="ids")
    assert str(err.value) == words
    assert _faults(check_dataset("filelist", tmp_path / "fl", "train", progress=False, semantic_encoding="ids")) == words
    capsys.readouterr()
    assert main(["data", "check", "filelist", str(tmp_path / "fl"), "--split", "train", "--quiet",
                 "--option", "semantic_encoding=ids", "--skip-bad"]) == 1
    assert "1 problem(s) that skipping cannot mend" in capsys.readouterr().out


def test_problems_past_the_listed_ones_are_counted(tmp_path, capsys):
    root = tmp_path / "mine"  # 13 images of one size, 12 of another: 12 problems, 10 of them listed
    for k in range(25):
        write_image(root / f"images/{k:02d}.png", np.zeros((2, 3, 3) if k < 13 else (3, 2, 3), np.uint8))
    (root / "splits").mkdir()
    (root / "splits/train.txt").write_text("".join(f"{k:02d}\n" for k in range(25)))
    (report,) = check_dataset("folder", root, progress=False)
    assert (report.problems, report.blocking, len(report.bad)) == (12, 12, 11)
    assert report.bad[-1] == "... and 2 more like these"
    assert main(["data", "check", "folder", str(root), "--quiet", "--skip-bad"]) == 1
    out = capsys.readouterr().out
    assert "train: 25 samples, 12 problem(s)" in out and "; 12 problem(s) that skipping cannot mend" in out
    assert "; 0 other problem(s)" in out


def test_a_sample_of_another_size_is_found(world):
    for kind, array in (("image", np.zeros((24, 48, 3), np.uint8)), ("right", np.zeros((24, 48, 3), np.uint8)),
                        ("semantic", np.zeros((24, 48), np.uint8)), ("depth", np.full((24, 48), 2560, np.uint16)),
                        ("normals", np.full((24, 48, 3), 40000, np.uint16))):
        write_image(world / f"train/{kind}/000001.png", array)
    load_dataset("world", world, "train")[1]  # it loads: only batches of the split would fail
    found = _faults(check_dataset("world", world, "train", progress=False))
    assert "train/image/000001.png: image size 24x48 differs from the split's 32x64 (2 of 3 images)" in found
    assert _check_exits(world) == 1 and _check_exits(world, "--skip-bad") == 1


@pytest.mark.parametrize("label, array, words", [
    ("semantic", np.full((32, 64), 255, np.uint8),
     "no valid semantic label in any of its 3 loaded sample(s) (every pixel is 255 = ignore)"),
    ("depth", np.zeros((32, 64), np.uint16), "no valid depth label in any of its 3 loaded sample(s) (no depth between"),
])
def test_a_split_without_a_single_valid_label_is_found(world, label, array, words):
    for name in ("000000", "000001", "000002"):
        write_image(world / f"train/{label}/{name}.png", array)
    found = _faults(check_dataset("world", world, "train", progress=False))
    assert f"split 'train': {words}" in found
    assert _check_exits(world) == 1 and _check_exits(world, "--skip-bad") == 1
    valid = 5 * 256 if label == "depth" else 3  # 5 m, or sidewalk
    write_image(world / f"train/{label}/000001.png", np.full((32, 64), valid, array.dtype))
    assert words not in _faults(check_dataset("world", world, "train", progress=False))  # one valid pixel is enough


@pytest.mark.parametrize("text, words", [
    ('{"fx": NaN, "fy": 1, "cx": 1, "cy": 1, "baseline": 0.5}', "camera fx = nan: must be a finite number > 0"),
    ('{"fx": 1, "fy": Infinity, "cx": 1, "cy": 1, "baseline": 0.5}', "camera fy = inf: must be a finite number > 0"),
    ('{"fx": 1, "fy": 1, "cx": 1, "cy": 1, "baseline": -0.5}', "camera baseline = -0.5: must be a finite number >= 0"),
    ('{"fx": 1, "fy": 1, "cx": -3, "cy": 1, "baseline": 0.5}', "camera cx = -3.0: must be a finite number >= 0"),
    ('{"fx": 0, "fy": 1, "cx": 1, "cy": 1, "baseline": 0.5}', "camera fx = 0.0: must be a finite number > 0"),
    ('{"fx": "wide", "fy": 1, "cx": 1, "cy": 1, "baseline": 0.5}', "camera fx is 'wide', not a number"),
    ('{"fx": 1, "fy": 1, "cx": 1}', "camera has no cy, baseline"),
    ("[1, 2, 3]", "camera must be a JSON object"),
])
def test_camera_values_that_are_not_finite_or_negative_are_named(world, text, words):
    (world / "train/camera/000001.json").write_text(text)
    found = _faults(check_dataset("world", world, "train", progress=False))
    assert f"train/camera/000001.json: {words}" in found
    with pytest.raises(DatasetError, match="000001.json: camera"):
        load_dataset("world", world, "train")[1]


def test_a_camera_file_of_an_official_format_is_checked_too(cityscapes_tree):
    path = next((cityscapes_tree / "camera/val/aachen").glob("*.json"))
    path.write_text(path.read_text().replace('"fx": 2000.0', '"fx": -2000.0'))
    found = _faults(check_dataset("cityscapes", cityscapes_tree, "val", progress=False))
    assert f"{path}: camera fx = -2000.0: must be a finite number > 0" in found


@pytest.mark.parametrize("text, words", [
    ('{"format": "atdt-world", ', "invalid JSON"),
    ("[1, 2]", "must be a JSON object (format, domain, ...), got list"),
    ('{"format": "atdt-world"}', "domain must be a name, got None"),
    ('{"format": "atdt-world", "domain": "x", "labels": ["depth"]}', "labels must map each split to a list of"),
    ('{"format": "atdt-world", "domain": "x", "labels": {"train": ["colour"]}}', "labels must map each split"),
    ('{"format": "atdt-world", "domain": "x", "stereo": "yes"}', "stereo must be true or false, got 'yes'"),
])
def test_a_malformed_world_json_is_named(world, text, words, capsys):
    (world / "world.json").write_text(text)
    with pytest.raises(DatasetError) as err:
        load_dataset("world", world, "train")
    assert f"{world / 'world.json'}: {words}" in str(err.value)
    assert f"world.json: {words}" in _faults(check_dataset("world", world, "train", progress=False))
    assert _check_exits(world) == 1
    assert f"world.json: {words}" in capsys.readouterr().out


def test_the_help_lists_the_checks(capsys):
    with pytest.raises(SystemExit):
        main(["data", "check", "--help"])
    out = capsys.readouterr().out
    for words in ("world.json", "listed twice", "leaves the dataset's", "ATDT_MAX_IMAGE_PIXELS", "camera values",
                  "size of the others", "valid pixel", "exit status 1"):
        assert words in out
