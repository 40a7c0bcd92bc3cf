"""Label encodings: atdt's 16-bit normals and the datasets' depth codes, against hand-computed values."""

import numpy as np

from atdt.data.encodings import decode_normals, disparity_png_to_depth, encode_normals, kitti_disparity_to_depth


def test_normals_encoding_round_trips_and_keeps_no_label():
    n = np.array([[[0, -1, 0], [0.6, 0, -0.8], [0, 0, 0]]], np.float32)
    encoded = encode_normals(n)
    assert encoded.dtype == np.uint16 and (encoded[0, 2] == 0).all() and (encoded[0, 0] > 0).all()
    assert np.allclose(decode_normals(encoded), n, atol=1e-4)


def test_disparity_codes_give_depth_and_zero_stays_no_label():
    # Cityscapes: d = (p - 1) / 256; z = B f / d. p = 257 -> d = 1 px -> z = 0.2 * 1000 = 200 m
    assert np.allclose(disparity_png_to_depth(np.array([[257, 0, 513]]), fx=1000.0, baseline=0.2), [[200.0, 0.0, 100.0]])
    # KITTI: d = v / 256; v = 512 -> d = 2 px -> z = 720 * 0.54 / 2
    assert np.allclose(kitti_disparity_to_depth(np.array([[512, 0]]), fx=720.0, baseline=0.54), [[194.4, 0.0]])
