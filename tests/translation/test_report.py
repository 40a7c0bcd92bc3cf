"""The translation report: distances before / after and the contact sheet's nearest A images."""

import cv2
import numpy as np
import pytest

from atdt.data import load_dataset
from atdt.translation.report import contact_sheet, distance_report, format_distances


def test_distances_are_zero_for_the_same_images_and_positive_across_domains(tiny_world):
    a, b = load_dataset("world", tiny_world / "clean", "train"), load_dataset("world", tiny_world / "camera", "test")
    report = distance_report(a, b, a, limit=8)
    assert report["domains"] == {"a": "world/clean", "b": "world/camera", "b_like_a": "world/clean"}
    assert all(v == pytest.approx(0.0) for v in report["b_like_a_vs_a"].values())
    assert all(v > 0 for v in report["b_vs_a"].values())
    assert report["statistics"]["a"]["images"] == 8 and report["statistics"]["b"]["images"] == 4
    text = format_distances(report)
    assert "colour_w1" in text and text.splitlines()[2].startswith("B like A")


def test_contact_sheet_rows_show_b_the_translation_and_the_nearest_a_images(tiny_world, tmp_path):
    a, b = load_dataset("world", tiny_world / "clean", "train"), load_dataset("world", tiny_world / "camera", "test")
    like = load_dataset("world", tiny_world / "clean", "test")  # stand-in translations: A images themselves
    path = contact_sheet(a, b, like, tmp_path / "sheet.png", rows=3, neighbours=2, pool=None)
    sheet = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
    assert sheet.shape == (3 * 32, 4 * 64, 3)
    for row in range(3):
        tiles = [sheet[32 * row : 32 * (row + 1), 64 * k : 64 * (k + 1)] for k in range(4)]
        assert np.array_equal(tiles[0], _rgb(b, row)) and np.array_equal(tiles[1], _rgb(like, row))
    # a translation that is an A image itself finds that image first
    a_test_in_pool = load_dataset("world", tiny_world / "clean", "test")
    contact_sheet(a_test_in_pool, b, like, tmp_path / "self.png", rows=2, neighbours=1, pool=None)
    own = cv2.cvtColor(cv2.imread(str(tmp_path / "self.png")), cv2.COLOR_BGR2RGB)
    assert np.array_equal(own[32:64, 128:192], _rgb(like, 1))


def _rgb(dataset, i):
    return (dataset[i]["image"].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
