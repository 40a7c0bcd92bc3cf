"""Writing "B like A": a world-format dataset that load_dataset reads, with B's labels, cameras
and proxy depth unchanged, from world and from other formats."""

import json

import numpy as np
import pytest
import torch

from atdt.config import DataConfig
from atdt.data import load_dataset
from atdt.data.io import write_image
from atdt.translation.write import sample_id, write_b_like_a

SPLITS = ["train", "val", "test"]


class Negative(torch.nn.Module):
    """A stand-in generator with a known output: the photographic negative (x -> -x in [-1, 1])."""

    def forward(self, x):
        return -x


def _write(data, root, splits=SPLITS, source=None):
    return write_b_like_a(Negative(), data, root, domain="camera-like-clean", splits=splits, device="cpu",
                          source=source or {"fingerprint": "test"}, progress=False)


def test_world_b_is_written_with_its_labels_and_cameras_byte_for_byte(tiny_world, tmp_path):
    camera = tiny_world / "camera"
    data = DataConfig(root=str(camera), depth_root=str(tiny_world / "camera-proxy"))
    summary = _write(data, tmp_path / "like")
    assert summary["splits"] == {"train": 12, "val": 4, "test": 4}
    for split in SPLITS:
        b, like = load_dataset("world", camera, split), load_dataset("world", tmp_path / "like", split)
        assert like.names == b.names and like.labels == b.labels and like.domain == "world/camera-like-clean"
        for i, sid in enumerate(b.ids):
            for kind, suffix in (("semantic", ".png"), ("depth", ".png"), ("normals", ".png"), ("camera", ".json")):
                original = (camera / split / kind / f"{sid}{suffix}").read_bytes()
                assert (tmp_path / "like" / split / kind / f"{sid}{suffix}").read_bytes() == original, (split, kind, sid)
        x, y = b[0], like[0]
        for key in ("semantic", "depth", "normals"):
            assert torch.equal(x[key], y[key])
        assert x["camera"] == y["camera"]
        assert torch.allclose(y["image"], 1.0 - x["image"], atol=1 / 255)  # translated by the generator
    # the proxy labels are copied under the new names, and B's own proxy folder serves as well
    proxy = tmp_path / "like-proxy"
    assert summary["proxy"] == str(proxy)
    for folder in (proxy, tiny_world / "camera-proxy"):
        like = load_dataset("world", tmp_path / "like", "train", depth_root=folder)
        b = load_dataset("world", camera, "train", depth_root=tiny_world / "camera-proxy")
        assert torch.equal(like[3]["depth"], b[3]["depth"])
    assert (proxy / "train" / "000003.png").read_bytes() == (tiny_world / "camera-proxy" / "train" / "000003.png").read_bytes()


def test_translated_world_is_monocular(tiny_world, tmp_path):
    _write(DataConfig(root=str(tiny_world / "camera")), tmp_path / "like", splits=["test"])
    like = load_dataset("world", tmp_path / "like", "test")
    with pytest.raises(ValueError, match="no right views"):
        like.read_stereo(0)
    assert all(p.is_file() for i in range(len(like)) for p in like.files(i))  # the manifest lists only real files
    assert not (tmp_path / "like-proxy").exists()


def test_a_killed_write_resumes_and_another_translation_is_refused(tiny_world, tmp_path):
    data = DataConfig(root=str(tiny_world / "camera"))
    _write(data, tmp_path / "like", splits=["val"])
    image = tmp_path / "like" / "val" / "image" / "000001.png"
    before = image.read_bytes()
    (tmp_path / "like" / "val" / "camera" / "000002.json").unlink()  # sample 2 unfinished
    (tmp_path / "like" / "val" / "image" / ".000002.png.x.tmp").write_bytes(b"half")
    mtime = image.stat().st_mtime_ns
    _write(data, tmp_path / "like", splits=["val"])
    assert image.stat().st_mtime_ns == mtime and image.read_bytes() == before  # finished samples kept
    assert len(load_dataset("world", tmp_path / "like", "val")) == 4
    assert not list((tmp_path / "like" / "val").glob("*/.*.tmp"))
    with pytest.raises(ValueError, match="holds another translation"):
        _write(data, tmp_path / "like", splits=["val"], source={"fingerprint": "other"})


def _cityscapes(root):
    """Two cities of a tiny Cityscapes val split: labelIds, disparity and camera files."""
    rng = np.random.default_rng(0)
    for city, stem in (("aachen", "aachen_000000_000019"), ("bonn", "bonn_000001_000019")):
        write_image(root / "leftImg8bit/val" / city / f"{stem}_leftImg8bit.png", rng.integers(0, 256, (6, 10, 3), np.uint8))
        write_image(root / "gtFine/val" / city / f"{stem}_gtFine_labelIds.png",
                    rng.choice(np.array([0, 7, 8, 11, 21, 23, 24, 26], np.uint8), (6, 10)))
        write_image(root / "disparity/val" / city / f"{stem}_disparity.png", rng.integers(0, 30000, (6, 10)).astype(np.uint16))
        (root / "camera/val" / city).mkdir(parents=True)
        camera = {"extrinsic": {"baseline": 0.2}, "intrinsic": {"fx": 500.0, "fy": 500.0, "u0": 5.0, "v0": 3.0}}
        (root / "camera/val" / city / f"{stem}_camera.json").write_text(json.dumps(camera))


def test_other_formats_are_written_in_the_world_encodings(tmp_path):
    _cityscapes(tmp_path / "cs")
    summary = _write(DataConfig(name="cityscapes", root=str(tmp_path / "cs")), tmp_path / "like", splits=["val"])
    assert summary["labels"] == {"val": ["depth", "semantic"]}
    b, like = load_dataset("cityscapes", tmp_path / "cs", "val"), load_dataset("world", tmp_path / "like", "val")
    assert like.names == b.names == ["val/aachen/aachen_000000_000019", "val/bonn/bonn_000001_000019"]
    assert like.labels == {"semantic", "depth"}
    for i in range(2):
        x, y = b[i], like[i]
        assert "normals" not in y and x["camera"] == y["camera"]
        assert torch.equal(x["semantic"], y["semantic"])
        near = x["depth"] < 255.9  # beyond 256 m the world encoding saturates (unlabelled past 100 m anyway)
        assert torch.allclose(x["depth"][near], y["depth"][near], atol=0.5 / 256)
        assert torch.allclose(y["image"], 1.0 - x["image"], atol=1 / 255)


def test_sample_ids_drop_the_split_and_refuse_unsafe_names():
    assert sample_id("train/000001", "train") == "000001"
    assert sample_id("val/aachen/x_1", "val") == "aachen/x_1"
    assert sample_id("SEQ1/000003", "train") == "SEQ1/000003"
    for bad in ("train/a b", "train/../x", "/etc/x", "train/"):
        with pytest.raises(ValueError, match="cannot be a file name"):
            sample_id(bad, "train")
