"""Atomic writes keep the user's umask: lab-mates on a shared machine can read what we write."""

import os

import numpy as np
import pytest

from atdt.data.io import write_bytes, write_image


@pytest.fixture
def umask():
    def set_mask(mask):
        os.umask(mask)

    old = os.umask(0o022)
    yield set_mask
    os.umask(old)


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_atomic_files_get_the_mode_of_an_ordinary_open(tmp_path, umask, mask, mode):
    umask(mask)
    write_bytes(tmp_path / "a.bin", b"x")
    write_image(tmp_path / "b.png", np.zeros((2, 2), np.uint8))
    with open(tmp_path / "c.txt", "w"):
        pass
    for name in ("a.bin", "b.png", "c.txt"):
        assert oct((tmp_path / name).stat().st_mode & 0o777) == oct(mode), name
    assert not list(tmp_path.glob(".*.tmp"))


def _huge_png(path, height=20000, width=20000):
    """A PNG whose header says height x width (8-bit RGB) and whose data is one compressed row: a
    few hundred bytes that OpenCV would answer by allocating height * width * 3 bytes."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(1 + 3 * width)))
                     + chunk(b"IEND", b""))
    return path


def _huge_jpeg(path):
    """A real JPEG whose frame header is edited to claim 20000 x 20000 pixels."""
    import cv2

    ok, data = cv2.imencode(".jpg", np.zeros((32, 64, 3), np.uint8))
    data = bytearray(data.tobytes())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = (20000).to_bytes(2, "big") * 2
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("make", [_huge_png, _huge_jpeg])
def test_images_over_the_pixel_limit_are_refused_from_their_header(tmp_path, make, monkeypatch):
    from atdt.data.errors import DatasetError
    from atdt.data.io import DEFAULT_MAX_PIXELS, image_size, read_image

    path = make(tmp_path / "huge.img")
    assert path.stat().st_size < 2000 and image_size(path) == (20000, 20000)
    with pytest.raises(DatasetError) as err:
        read_image(path)
    assert str(err.value).startswith(f"{path}: image is 20000x20000 = 400000000 pixels, over the limit of "
                                     f"{DEFAULT_MAX_PIXELS} pixels; set ATDT_MAX_IMAGE_PIXELS to raise it")


def test_the_pixel_limit_can_be_lowered_and_raised(tmp_path, monkeypatch):
    from atdt.data.errors import DatasetError
    from atdt.data.io import read_image

    path = tmp_path / "a.png"
    write_image(path, np.zeros((32, 64, 3), np.uint8))
    monkeypatch.setenv("ATDT_MAX_IMAGE_PIXELS", str(32 * 64 - 1))
    with pytest.raises(DatasetError, match="over the limit of 2047 pixels"):
        read_image(path)
    monkeypatch.setenv("ATDT_MAX_IMAGE_PIXELS", str(32 * 64))
    assert read_image(path).shape == (32, 64, 3)
    monkeypatch.setenv("ATDT_MAX_IMAGE_PIXELS", "lots")
    with pytest.raises(ValueError, match="ATDT_MAX_IMAGE_PIXELS='lots': expected a pixel count >= 1"):
        read_image(path)


def test_a_dataset_with_a_huge_image_is_reported_by_data_check(tiny_world, tmp_path):
    import shutil
    import subprocess
    import sys

    root = tmp_path / "camera"
    shutil.copytree(tiny_world / "camera", root)
    image = _huge_png(root / "test" / "image" / "000000.png")
    done = subprocess.run([sys.executable, "-m", "atdt", "data", "check", "world", str(root), "--split", "test",
                           "--quiet"], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 1
    assert f"{image}: image is 20000x20000 = 400000000 pixels, over the limit" in done.stdout


def test_a_pipe_at_the_target_is_written_to_not_replaced_by_a_file(tmp_path):
    """Devices and pipes (/dev/null, /dev/full, a FIFO) take the bytes; the node itself stays."""
    import stat
    import threading

    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    received = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()))
    reader.start()
    write_bytes(pipe, b"scores")
    reader.join(timeout=10)
    assert received == [b"scores"] and stat.S_ISFIFO(pipe.stat().st_mode)
