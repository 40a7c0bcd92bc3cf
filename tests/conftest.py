"""Session fixtures: a tiny embedded world (clean and camera domains, 32x64) with stereo proxy
depth for camera/train, rendered once for the whole test session (once per pytest-xdist worker)."""

import os

import pytest

# `make test` runs TEST_WORKERS pytest-xdist workers (2, one per core on CI): each gets one thread (the
# commands the tests start inherit it), as two processes each taking every core slow each other several-fold
if "PYTEST_XDIST_WORKER" in os.environ:
    os.environ.setdefault("OMP_NUM_THREADS", "1")


@pytest.fixture(scope="session")
def tiny_world(tmp_path_factory):
    from atdt.data import load_dataset
    from atdt.stereo import write_proxy_depth
    from atdt.world.writer import make_dataset

    root = tmp_path_factory.mktemp("world")
    for domain in ("clean", "camera"):
        for split, count in (("train", 12), ("val", 4), ("test", 4)):
            make_dataset(domain, split, count, (32, 64), root / domain, workers=1, progress=False)
    write_proxy_depth(load_dataset("world", root / "camera", "train"), root / "camera-proxy", progress=False)
    return root


@pytest.fixture
def tiny_overrides(tiny_world, tmp_path):
    """Overrides that point the `tiny` preset at the session's world and a fresh output folder, on
    the CPU (tests compare the runner's scores with scores computed here on the CPU)."""
    return [f"domain_a.root={tiny_world / 'clean'}", f"domain_b.root={tiny_world / 'camera'}",
            f"domain_b.depth_root={tiny_world / 'camera-proxy'}", f"out={tmp_path / 'runs'}", "runtime.accelerator=cpu"]
