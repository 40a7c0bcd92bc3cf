"""Your own data (the folder format): every documented encoding decodes to the values it states,
a label map turns any label values into the 11 classes, and a bad file is named."""

import json

import numpy as np
import pytest
from fixture_files import image

from atdt.data import load_dataset
from atdt.data.check import check_dataset
from atdt.data.errors import DatasetError
from atdt.data.io import write_image


def _folder(root, *, labels=None, settings=None):
    """Two samples (one PNG with a subfolder id, one JPEG): right views, semantic values through a
    label map, depth as millimetre PNG and as .npy metres, .npy normals, one camera JSON each."""
    ids = ("city/a", "b")
    for k, sid in enumerate(ids):
        suffix = ".png" if k == 0 else ".jpg"
        write_image(root / "images" / f"{sid}{suffix}", image(4, 6, seed=k))
        write_image(root / "right" / f"{sid}.png", image(4, 6, seed=10 + k))
        (root / "cameras" / sid).parent.mkdir(parents=True, exist_ok=True)
        camera = {"fx": 50.0 + k, "fy": 51.0, "cx": 3.0, "cy": 2.0, "baseline": 0.5}
        (root / "cameras" / f"{sid}.json").write_text(json.dumps(camera))
    values = np.array([[0, 7, 7, 26, 26, 500], [24, 24, 21, 21, 11, 11]] * 2, np.uint16)  # 16-bit values
    write_image(root / "semantic/city/a.png", values)
    write_image(root / "semantic/b.png", np.full((4, 6), 7, np.uint16))
    depth_mm = np.array([[0, 1000, 2500, 65535, 1, 7], [1234] * 6] * 2, np.uint16)
    write_image(root / "depth/city/a.png", depth_mm)
    np.save(root / "depth/b.npy", np.array([[np.nan, -1.0, 0.0, 2.5, np.inf, 3.0]] * 4, np.float32))
    normals = np.zeros((4, 6, 3), np.float32)
    normals[..., 1] = -1.0  # up, in the OpenCV camera frame
    normals[0, 0] = 0.0  # no label
    for sid in ids:
        (root / "normals" / sid).parent.mkdir(parents=True, exist_ok=True)
        np.save(root / "normals" / f"{sid}.npy", normals)
    (root / "splits").mkdir()
    (root / "splits/train.txt").write_text("# my split\ncity/a\nb\n")
    (root / "folder.yaml").write_text(settings if settings is not None else "domain: street\ndepth_scale: 1000\n")
    default = "7: road\n26: vehicle\n24: person\n21: vegetation\n11: building\n0: ignore\nother: ignore\n"
    (root / "labels.yaml").write_text(labels if labels is not None else default)
    return root


def test_every_kind_decodes_to_the_documented_values(tmp_path):
    ds = load_dataset("folder", _folder(tmp_path / "mine"), "train")
    assert ds.names == ["city/a", "b"] and ds.domain == "folder/street"
    assert ds.labels == {"semantic", "depth", "normals"}
    a, b = ds[0], ds[1]
    assert a["semantic"][0].tolist() == [255, 0, 0, 7, 7, 255]  # 0 ignore, 7 road, 26 vehicle, 500 other: ignore
    assert a["semantic"][1].tolist() == [4, 4, 6, 6, 9, 9]  # person, vegetation, building
    assert a["depth"][0].tolist() == pytest.approx([0.0, 1.0, 2.5, 65.535, 0.001, 0.007])  # millimetres
    assert b["depth"][0].tolist() == [0.0, 0.0, 0.0, 2.5, 0.0, 3.0]  # .npy metres; nan, inf, <= 0: none
    assert a["normals"].shape == (3, 4, 6) and a["normals"][:, 1, 1].tolist() == [0.0, -1.0, 0.0]
    assert a["normals"][:, 0, 0].tolist() == [0.0, 0.0, 0.0]
    assert b["camera"] == {"fx": 51.0, "fy": 51.0, "cx": 3.0, "cy": 2.0, "baseline": 0.5}
    left, right, camera = ds.read_stereo(0)
    assert (left == image(4, 6, seed=0)).all() and (right == image(4, 6, seed=10)).all() and camera["fx"] == 50.0
    assert b["image"].shape == (3, 4, 6)  # the JPEG
    assert {p.name for p in ds.files(1)} == {"b.jpg", "b.png", "b.npy", "b.json", "folder.yaml", "labels.yaml"}


def test_only_the_kinds_that_exist_are_labels_and_a_folder_camera_serves_every_image(tmp_path):
    root = tmp_path / "mono"
    write_image(root / "images/x.png", image(4, 6))
    write_image(root / "semantic/x.png", np.array([[0, 10, 255, 3, 3, 3]] * 4, np.uint8))  # our ids, no map
    (root / "splits").mkdir()
    (root / "splits/test.txt").write_text("x\n")
    ds = load_dataset("folder", root, "test")
    assert ds.labels == {"semantic"} and ds.domain == "folder/mono"
    assert ds[0]["semantic"][0].tolist() == [0, 10, 255, 3, 3, 3]
    assert ds[0]["camera"] == {"fx": 0.0, "fy": 0.0, "cx": 3.0, "cy": 2.0, "baseline": 0.0}  # unknown camera
    with pytest.raises(ValueError, match="no right image"):
        ds.read_stereo(0)
    (root / "folder.yaml").write_text("camera: {fx: 40, fy: 40, cx: 3, cy: 2}\n")
    assert load_dataset("folder", root, "test")[0]["camera"] == {"fx": 40.0, "fy": 40.0, "cx": 3.0, "cy": 2.0, "baseline": 0.0}


def _palettised(root, indices):
    from PIL import Image

    write_image(root / "images/x.png", image(2, 3))
    palette = Image.fromarray(indices, mode="P")
    palette.putpalette([v for i in range(256) for v in (i, 255 - i, 7)])
    (root / "semantic").mkdir()
    palette.save(root / "semantic/x.png")
    (root / "splits").mkdir()
    (root / "splits/val.txt").write_text("x\n")
    (root / "labels.yaml").write_text("13: road\n15: sidewalk\n55: vehicle\n27: sky\n65: ignore\n")
    return root


def test_a_palettised_label_png_gives_its_indices(tmp_path):
    indices = np.array([[13, 15, 55], [27, 65, 13]], np.uint8)  # Mapillary's road, sidewalk, car, sky, unlabeled
    root = _palettised(tmp_path / "palette", indices)
    assert load_dataset("folder", root, "val")[0]["semantic"].tolist() == [[0, 1, 7], [10, 255, 0]]


def test_a_palettised_label_png_over_the_pixel_cap_is_refused_before_decoding(tmp_path, monkeypatch):
    root = _palettised(tmp_path / "palette", np.full((4, 6), 13, np.uint8))  # 24 pixels, its image 6
    monkeypatch.setenv("ATDT_MAX_IMAGE_PIXELS", "6")
    with pytest.raises(DatasetError, match=r"semantic/x.png: image is 6x4 = 24 pixels, over the limit of 6"):
        load_dataset("folder", root, "val")[0]


def test_the_shipped_mapillary_map_names_its_66_classes(tmp_path):
    from pathlib import Path

    from atdt.data.labels import read_label_map

    table = read_label_map(Path(__file__).resolve().parents[2] / "docs" / "labels" / "mapillary_vistas_v1.2.yaml")
    assert (table[:66] >= 0).all() and (table[66:] == -1).all()  # every class named, any other value an error
    assert table[[13, 15, 17, 27, 30, 55, 19, 65]].tolist() == [0, 1, 9, 10, 6, 7, 4, 255]


@pytest.mark.parametrize(("labels", "message"), [
    ("7: road\n", r"semantic/city/a.png: label values the label map does not name: \[0, 11, 21, 24, 26, 500\]"),
    ("7: street\n", "'street' is not a class; choose one of: road, sidewalk"),
    ("seven: road\n", "'seven' is not a label value"),
    ("7: [road]\n", r"labels.yaml: 7: \['road'\] is not a class; choose one of"),
])
def test_a_label_map_that_does_not_fit_is_named(tmp_path, labels, message):
    root = _folder(tmp_path / "mine", labels=labels)
    with pytest.raises(DatasetError, match=message):
        load_dataset("folder", root, "train")[0]


def test_bad_settings_are_named(tmp_path):
    with pytest.raises(DatasetError, match=r"folder.yaml: keys must be among domain, depth_scale, camera"):
        load_dataset("folder", _folder(tmp_path / "a", settings="depth_scael: 1000\n"), "train")
    with pytest.raises(DatasetError, match="depth_scale must be a positive number"):
        load_dataset("folder", _folder(tmp_path / "b", settings="depth_scale: 0\n"), "train")
    with pytest.raises(FileNotFoundError, match=r"no split 'val' \(splits/val.txt; have: train\)"):
        load_dataset("folder", tmp_path / "a", "val")


@pytest.mark.parametrize(("camera", "words"), [
    ('{fx: "40", fy: 40, cx: 3, cy: 2}', "camera fx is '40', not a number"),
    ("{fx: 40, fy: true, cx: 3, cy: 2}", "camera fy is True, not a number"),
    ("{fx: .nan, fy: 40, cx: 3, cy: 2}", "camera fx = nan: must be a finite number > 0"),
    ("{fx: 40, fy: 40, cx: -3, cy: 2}", "camera cx = -3.0: must be a finite number >= 0"),
    ("{fx: 0, fy: 0, cx: 3, cy: 2}", "camera fx = 0.0: must be a finite number > 0"),  # no camera: leave it out
    ("{fx: 40, fy: 40, cx: 3}", "camera has no cy"),
    ("[40, 40, 3, 2]", "camera must be a JSON object"),
])
def test_a_folder_camera_is_checked_as_the_folder_opens(tmp_path, camera, words):
    root = _folder(tmp_path / "mine", settings=f"camera: {camera}\n")
    with pytest.raises(DatasetError) as err:
        load_dataset("folder", root, "train")  # before any sample is read
    assert str(err.value).startswith(f"{root / 'folder.yaml'}: {words}")


def test_a_camera_file_is_checked_by_the_rules_of_every_format(tmp_path):
    root = _folder(tmp_path / "mine")
    (root / "cameras/b.json").write_text('{"fx": 51, "fy": 51, "cx": 3, "cy": 2}')  # baseline: 0 by default
    assert load_dataset("folder", root, "train")[1]["camera"]["baseline"] == 0.0
    (root / "cameras/b.json").write_text('{"fx": "51", "fy": 51, "cx": 3, "cy": 2}')
    with pytest.raises(DatasetError, match=r"cameras/b.json: camera fx is '51', not a number"):
        load_dataset("folder", root, "train")[1]


@pytest.mark.parametrize("name", ["folder.yaml", "labels.yaml", "cameras/b.json"])
def test_a_binary_file_where_text_belongs_is_named(tmp_path, name):
    root = _folder(tmp_path / "mine")
    (root / name).write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(DatasetError) as err:
        load_dataset("folder", root, "train")[1]
    assert str(err.value).startswith(f"{root / name}: ")


def test_data_check_names_missing_unpaired_and_wrong_files(tmp_path):
    root = _folder(tmp_path / "mine")
    (root / "depth/city/a.png").unlink()
    write_image(root / "semantic/b.png", image(4, 6))  # saved as RGB
    write_image(root / "right/c.png", image(4, 6))  # no image c
    (root / "splits/val.txt").write_text("b\n")
    (train, val) = check_dataset("folder", root, progress=False)  # the splits its splits/ lists
    assert (train.split, val.split) == ("train", "val")
    assert any("depth/city/a.png: file is missing" in line for line in train.bad)
    assert any("semantic/b.png: semantic label PNG must be single-channel" in line for line in train.bad)
    unpaired = [line for line in train.bad if "unpaired" in line]
    assert unpaired == [f"{root / 'right/c.png'}: no matching left image (unpaired file)"]
    assert not any("unpaired" in line for line in val.bad)  # one file, reported once
    assert train.bad_samples == 2
