"""Writers of tiny files in the datasets' official encodings, shared by the tests."""

import numpy as np


def rgb24(depth_m: np.ndarray) -> np.ndarray:
    """Metres -> CARLA/SYNTHIA 24-bit RGB depth (R + G 256 + B 256^2 = depth / 1000 (2^24 - 1))."""
    v = np.round(depth_m / 1000.0 * (256**3 - 1)).astype(np.int64)
    return np.stack([v % 256, (v // 256) % 256, v // 65536], axis=-1).astype(np.uint8)


def image(h=6, w=8, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)
