"""The authors' file lists work unchanged."""

import numpy as np
from fixture_files import image, rgb24

from atdt.data import load_dataset
from atdt.data.io import write_image


def test_reads_left_right_semantic_depth_lines(tmp_path):
    write_image(tmp_path / "img/l.png", image(2, 2))
    write_image(tmp_path / "img/r.png", image(2, 2, seed=3))
    tags = np.zeros((2, 2, 3), np.uint8)
    tags[..., 0] = [[7, 8], [1, 9]]
    write_image(tmp_path / "sem/s.png", tags)
    write_image(tmp_path / "dep/d.png", rgb24(np.array([[5.0, 6.0], [7.0, 8.0]])))
    (tmp_path / "val.txt").write_text("img/l.png;img/r.png;sem/s.png;dep/d.png\n")
    ds = load_dataset("filelist", tmp_path, "val", fx=500.0, baseline=0.5)
    s = ds[0]
    assert s["semantic"].tolist() == [[0, 1], [9, 6]]
    assert np.allclose(s["depth"].numpy(), [[5, 6], [7, 8]], atol=1e-3)
    _left, right, cam = ds.read_stereo(0)
    assert cam["fx"] == 500.0 and (right == image(2, 2, seed=3)).all()
