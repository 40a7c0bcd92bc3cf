"""Tiny dataset trees in the official encodings, written by the tests themselves."""

import json

import numpy as np
import pytest
from fixture_files import image

from atdt.data.io import write_image


@pytest.fixture
def cityscapes_tree(tmp_path):
    """One val image: labelIds of every kind, disparity with p = 0 and known values, camera JSON."""
    root = tmp_path / "cityscapes"
    stem, city = "aachen_000000_000019", "aachen"
    ids = np.array([[7, 8, 11, 12, 13, 17, 19, 20],  # road sidewalk building wall fence pole light sign
                    [21, 22, 23, 24, 25, 26, 27, 28],  # veg terrain sky person rider car truck bus
                    [31, 32, 33, 0, 1, 4, 5, 6],  # train motorcycle bicycle + void ids
                    [7, 7, 7, 7, 7, 7, 7, 7], [7] * 8, [7] * 8], np.uint8)
    disparity = np.zeros((6, 8), np.uint16)
    disparity[0, 0] = 1 + 256 * 10  # d = 10 px
    disparity[0, 1] = 1 + 128  # d = 0.5 px
    disparity[0, 2] = 1  # d = 0: invalid too
    camera = {"extrinsic": {"baseline": 0.2}, "intrinsic": {"fx": 2000.0, "fy": 2000.0, "u0": 4.0, "v0": 3.0}}
    write_image(root / "leftImg8bit/val" / city / f"{stem}_leftImg8bit.png", image())
    write_image(root / "rightImg8bit/val" / city / f"{stem}_rightImg8bit.png", image(seed=1))
    write_image(root / "gtFine/val" / city / f"{stem}_gtFine_labelIds.png", ids)
    write_image(root / "disparity/val" / city / f"{stem}_disparity.png", disparity)
    (root / "camera/val" / city).mkdir(parents=True)
    (root / "camera/val" / city / f"{stem}_camera.json").write_text(json.dumps(camera))
    return root


@pytest.fixture
def kitti_tree(tmp_path):
    root = tmp_path / "kitti" / "training"
    write_image(root / "image_2/000000_10.png", image(6, 1242))
    write_image(root / "image_3/000000_10.png", image(6, 1242, seed=1))
    disp = np.zeros((6, 1242), np.uint16)
    disp[0, 0] = 256 * 20  # d = 20 px
    write_image(root / "disp_occ_0/000000_10.png", disp)
    sem = np.full((6, 1242), 7, np.uint8)
    sem[0, :3] = (26, 32, 33)  # car, motorcycle -> vehicle; bicycle -> ignore
    write_image(root / "semantic/000000_10.png", sem)
    (root / "calib").mkdir(parents=True)
    (root / "calib/000000.txt").write_text(
        "P0: 700 0 600 0 0 700 3 0 0 0 1 0\n"
        "P2: 721.5377 0 609.5593 44.85728 0 721.5377 172.854 0.2163791 0 0 1 0.002745884\n"
        "P3: 721.5377 0 609.5593 -339.5242 0 721.5377 172.854 2.199936 0 0 1 0.002729905\n")
    return tmp_path / "kitti"
