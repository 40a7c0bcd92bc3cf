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
