"""A dataset written in the folder format reads back as the same samples; nothing is written over
the files it reads, nor half of an export whose splits collide."""

import shutil

import numpy as np
import pytest

from atdt.data import load_dataset
from atdt.data.errors import DatasetError
from atdt.data.export import export_folder
from atdt.data.io import read_ids


def test_a_world_domain_reads_back_the_same(tiny_world, tmp_path):
    splits = {s: load_dataset("world", tiny_world / "camera", s) for s in ("val", "test")}
    counts = export_folder(splits, tmp_path / "mine", domain="street", progress=False)
    assert counts == {"val": 4, "test": 4}
    assert (tmp_path / "mine/splits/test.txt").read_text().split() == splits["test"].names
    for split, world in splits.items():
        mine = load_dataset("folder", tmp_path / "mine", split)
        assert mine.domain == "folder/street" and mine.labels == {"semantic", "depth", "normals"}
        assert mine.names == world.names
        for i in range(len(world)):
            a, b = world[i], mine[i]
            assert (a["image"] == b["image"]).all() and (a["semantic"] == b["semantic"]).all()  # through labels.yaml
            assert np.allclose(a["depth"], b["depth"], atol=1 / 512)  # metres x 256, as the world stores it
            assert np.allclose(a["normals"], b["normals"], atol=1e-4)
            assert a["camera"] == pytest.approx(b["camera"])
            assert all((x == y).all() for x, y in zip(world.read_stereo(i)[:2], mine.read_stereo(i)[:2]))
    # on disk class c is the value c + 1 (0 = unlabelled), which the written labels.yaml maps back
    written = read_ids(tmp_path / "mine/semantic/test/000000.png")
    classes = splits["test"][0]["semantic"].numpy()
    assert (written == np.where(classes == 255, 0, classes + 1)).all() and written.max() > 1


def _snapshot(root):
    return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_an_out_over_the_source_is_refused_before_anything_is_written(tiny_world, tmp_path):
    mine = tmp_path / "mine"
    export_folder({"val": load_dataset("world", tiny_world / "camera", "val")}, mine, domain="street", progress=False)
    (mine / "labels.yaml").write_text((mine / "labels.yaml").read_text() + "# mine\n")  # the user's edits
    before = _snapshot(mine)
    with pytest.raises(ValueError, match="would overwrite the input"):
        export_folder({"val": load_dataset("folder", mine, "val")}, mine, domain="street", progress=False)
    assert _snapshot(mine) == before


def test_splits_sharing_an_id_are_refused_before_anything_is_written(tiny_world, tmp_path):
    val = load_dataset("world", tiny_world / "camera", "val")
    with pytest.raises(ValueError, match="sample id 'val/000000' of split 'again' is also in split 'val'"):
        export_folder({"val": val, "again": val}, tmp_path / "mine", domain="street", progress=False)
    assert not (tmp_path / "mine").exists()


def test_a_broken_right_view_stops_the_export(tiny_world, tmp_path):
    world = tmp_path / "world"
    shutil.copytree(tiny_world / "camera", world)
    (world / "val/right/000001.png").unlink()
    with pytest.raises(DatasetError, match=r"val/right/000001.png: file is missing"):
        export_folder({"val": load_dataset("world", world, "val")}, tmp_path / "mine", domain="street", progress=False)


def test_a_source_without_a_focal_length_exports_without_cameras(tiny_world, tmp_path):
    mine, again = tmp_path / "mine", tmp_path / "again"
    export_folder({"val": load_dataset("world", tiny_world / "camera", "val")}, mine, domain="street", progress=False)
    shutil.rmtree(mine / "cameras")  # fx = fy = 0: the folder format's unknown camera
    export_folder({"val": load_dataset("folder", mine, "val")}, again, domain="street", progress=False)
    assert not (again / "cameras").exists()
    reread = load_dataset("folder", again, "val")
    assert reread[0]["camera"]["fx"] == 0.0 and len(reread) == 4
