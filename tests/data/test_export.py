"""A dataset written in the folder format reads back as the same samples."""

import numpy as np
import pytest

from atdt.data import load_dataset
from atdt.data.io import read_ids
from atdt.data.export import export_folder


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
