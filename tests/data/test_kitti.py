"""KITTI: disparity with per-image calibration, semantics, and the evaluation crop."""

import pytest

from atdt.data import CLASSES, load_dataset


def test_disparity_to_depth_with_the_calibration(kitti_tree):
    ds = load_dataset("kitti", kitti_tree, "training")
    s = ds[0]
    cam = s["camera"]
    assert cam["fx"] == pytest.approx(721.5377)
    baseline = 339.5242 / 721.5377 + 44.85728 / 721.5377  # -P3[0,3]/P3[0,0] + P2[0,3]/P2[0,0]
    assert cam["baseline"] == pytest.approx(baseline)
    assert s["depth"][0, 0].item() == pytest.approx(721.5377 * baseline / 20.0, rel=1e-5)
    assert s["depth"][1, 1].item() == 0.0
    v = CLASSES.index("vehicle")
    assert s["semantic"][0, :4].tolist() == [v, v, 255, CLASSES.index("road")]


def test_without_calibration_the_focal_comes_from_the_width(kitti_tree):
    (kitti_tree / "training/calib/000000.txt").unlink()
    cam = load_dataset("kitti", kitti_tree, "training")[0]["camera"]
    assert cam["fx"] == pytest.approx(721.5377) and cam["baseline"] == pytest.approx(0.54)


def test_evaluation_crop_is_central_and_moves_the_principal_point(kitti_tree):
    import numpy as np

    from atdt.data.io import write_image

    root = kitti_tree / "training"
    for folder, arr in (("image_2", np.zeros((375, 1242, 3), np.uint8)), ("semantic", np.full((375, 1242), 7, np.uint8)),
                        ("disp_occ_0", np.zeros((375, 1242), np.uint16))):
        write_image(root / folder / "000000_10.png", arr)
    s = load_dataset("kitti", kitti_tree, "training", crop="kitti_eval")[0]
    assert s["image"].shape == (3, 320, 1216) and s["depth"].shape == (320, 1216)
    assert s["camera"]["cx"] == pytest.approx(609.5593 - 13) and s["camera"]["cy"] == pytest.approx(172.854 - 27)


def test_low_data_regime_keeps_the_first_n(kitti_tree):
    ds = load_dataset("kitti", kitti_tree, "training", limit=1)
    assert len(ds) == 1
    with pytest.raises(ValueError, match="exceeds"):
        load_dataset("kitti", kitti_tree, "training", limit=5)
