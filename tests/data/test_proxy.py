"""Proxy labels replace a dataset's depth; the CLI reports their density and error."""

import numpy as np
import pytest

from atdt.cli import main
from atdt.data import load_dataset
from atdt.data.errors import DatasetError
from atdt.world.writer import make_dataset


def test_proxy_depth_cli_and_loader(tmp_path, capsys):
    make_dataset("camera", "train", 3, (64, 128), tmp_path / "w", workers=1, progress=False)
    assert main(["proxy-depth", "world", str(tmp_path / "w"), "--split", "train", "--out", str(tmp_path / "p"),
                 "--quiet", "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "3 proxy depth maps" in out and "against the exact depth: abs rel" in out
    exact = load_dataset("world", tmp_path / "w", "train")
    proxy = load_dataset("world", tmp_path / "w", "train", depth_root=tmp_path / "p")
    assert proxy.domain == "world/camera+proxy" and len(proxy) == 3
    a, b = exact[0]["depth"].numpy(), proxy[0]["depth"].numpy()
    assert not np.array_equal(a, b) and (b == 0).mean() > (a == 0).mean()  # sparser: only kept pixels
    left, _right, _cam = proxy.read_stereo(0)  # the wrapper still offers the stereo pair
    assert left.shape == (64, 128, 3)
    (tmp_path / "p/train/000001.png").unlink()
    with pytest.raises(DatasetError, match="000001.png: file is missing"):
        proxy[1]
