"""Figures: real PNGs from tiny real networks and data, read back and checked pixel by pixel."""

import cv2
import numpy as np
import pytest
import torch

from atdt.config import NetworkConfig
from atdt.networks import TransferNetwork, build_task_network
from atdt.report.figures import bar_chart, qualitative_figure, tsne_figure
from atdt.tasks import TASKS

DPI = 110  # figures.py saves at 110 dots per inch
H, W = 32, 64


def _read_rgb(path) -> np.ndarray:
    assert path.is_file() and path.stat().st_size > 0
    picture = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert picture is not None, f"{path} is not a readable PNG"
    return cv2.cvtColor(picture, cv2.COLOR_BGR2RGB)  # (H, W, 3) uint8


def _mask(picture: np.ndarray, rgb, tol: int = 0) -> np.ndarray:
    return (np.abs(picture.astype(int) - np.array(rgb)) <= tol).all(axis=-1)


def _network(out_channels: int, constant: list[float], split_level: int = 4):
    """A real tiny N whose prediction layer is zeroed to output ``constant`` at every pixel."""
    net = build_task_network(NetworkConfig(split_level=split_level, norm="none", decoder_channels=(8,)), out_channels)
    with torch.no_grad():
        net.decoder.predict.weight.zero_()
        net.decoder.predict.bias.copy_(torch.tensor(constant))
    return net.eval()


def _dataset(n: int = 3) -> list[dict]:
    """Samples as a dataset returns them: a pure green image, road everywhere, 4 m everywhere."""
    image = torch.zeros(3, H, W)
    image[1] = 1.0
    return [{"image": image.clone(), "semantic": torch.zeros(H, W, dtype=torch.int64),
             "depth": torch.full((H, W), 4.0), "name": f"s{i}"} for i in range(n)]


def _one_hot(k: int) -> list[float]:
    return [5.0 if c == k else 0.0 for c in range(11)]


def test_qualitative_figure_shows_rgb_then_each_model_then_ground_truth(tmp_path):
    models = {"Baseline": _network(11, _one_hot(7)), "AT/DT": _network(11, _one_hot(10))}  # vehicle, sky
    path = qualitative_figure(models, _dataset(3), TASKS["semantic"], tmp_path / "fig" / "q.png", rows=2)
    picture = _read_rgb(path)
    # 2 rows x (RGB + 2 models + GT) columns; figsize (4 * 2.2 * aspect 2 / 2 + 0.5, 2 * 1.25 + 0.4) inches
    assert picture.shape == (round(2.9 * DPI), round(9.3 * DPI), 3)
    centres = []
    for colour in ((0, 255, 0), (0, 0, 142), (70, 130, 180), (128, 64, 128)):  # RGB, vehicle, sky, road
        where = _mask(picture, colour)
        assert where.sum() > 1000, colour  # two panels of ~240 x 120 pixels each
        centres.append(np.nonzero(where)[1].mean())
    assert centres == sorted(centres)  # left to right in that order


def test_qualitative_figure_rescales_depth_predictions(tmp_path):
    # the network predicts sigmoid(0) x 100 = 50 m; x 0.02 -> 1 m, which magma draws pale yellow
    near = (251, 252, 191)
    models = {"Baseline": _network(1, [0.0])}
    scaled = _read_rgb(qualitative_figure(models, _dataset(1), TASKS["depth"], tmp_path / "a.png", depth_scale=0.02))
    plain = _read_rgb(qualitative_figure(models, _dataset(1), TASKS["depth"], tmp_path / "b.png"))
    assert _mask(scaled, near, tol=1).sum() > 1000
    assert _mask(plain, near, tol=1).sum() == 0
    assert scaled.shape == (int(1.65 * DPI), int(7.1 * DPI), 3)  # 1 row x 3 columns


def test_tsne_figure_is_a_square_png_and_reproducible_with_its_seed(tmp_path):
    n1, n2 = _network(11, _one_hot(0), split_level=1), _network(1, [0.0], split_level=1)
    g = TransferNetwork(64, 64, width=8).eval()  # E1 and E2 of resnet18 at level 1: 64 channels
    data = _dataset(3)
    first = tsne_figure(n1.encoder, g, n2.encoder, data, tmp_path / "t1.png", points_per_image=16)
    second = tsne_figure(n1.encoder, g, n2.encoder, data, tmp_path / "t2.png", points_per_image=16)
    picture = _read_rgb(first)
    assert picture.shape == (5 * DPI, 5 * DPI, 3)
    assert np.array_equal(picture, _read_rgb(second))
    for colour in ((255, 105, 180), (65, 105, 225), (255, 0, 0)):  # hotpink E1, royalblue E2, red G(E1)
        assert _mask(picture, colour, tol=8).any(), colour


def test_tsne_figure_refuses_features_of_different_shapes(tmp_path):
    n1, n2 = _network(11, _one_hot(0), split_level=1), _network(1, [0.0], split_level=2)  # 64 vs 128 channels
    g = TransferNetwork(64, 128, width=8).eval()
    with pytest.raises(ValueError, match=r"same shape, got \(64, 8, 16\) and \(128, 4, 8\)"):
        tsne_figure(n1.encoder, g, n2.encoder, _dataset(2), tmp_path / "t.png")


C0, C1 = (31, 119, 180), (255, 127, 14)  # matplotlib's first two default colours


def _bars(picture: np.ndarray, colour) -> list[tuple[int, int, int, int]]:
    """(x, y, width, height) of the filled bars of one colour, left to right; the legend's patch is small."""
    where = _mask(picture, colour, tol=60).astype(np.uint8)  # the y grid, alpha 0.3, crosses the bars
    count, _, stats, _ = cv2.connectedComponentsWithStats(where)
    boxes = [tuple(int(v) for v in stats[k, :4]) for k in range(1, count) if stats[k, 3] > 20]
    return sorted(boxes)


def test_bar_chart_heights_follow_the_values_and_nan_draws_no_bar(tmp_path):
    groups = ["level 1", "level 2", "level 3"]
    panels = [{"ylabel": "mIoU", "series": {"Baseline": ([10.0, 20.0, float("nan")], [0.0, 0.0, 0.0]),
                                            "AT/DT": ([30.0, 40.0, 20.0], [0.0, 0.0, 0.0])}}]
    picture = _read_rgb(bar_chart(groups, panels, tmp_path / "b.png", title="a study"))
    assert picture.shape == (round(3.4 * DPI), round((1.2 + 1.9 * 3) * DPI), 3)
    baseline, atdt = _bars(picture, C0), _bars(picture, C1)
    assert len(baseline) == 2 and len(atdt) == 3  # the NaN mean has no bar
    heights = {v: h for v, (_, _, _, h) in zip((10, 20), baseline)} | {v: h for v, (*_, h) in zip((30, 40, 20), atdt)}
    bottoms = {y + h for _, y, _, h in baseline + atdt}
    assert max(bottoms) - min(bottoms) <= 1  # all bars stand on the same zero line
    for value, height in heights.items():
        assert height == pytest.approx(heights[40] * value / 40, abs=2), value
    assert baseline[0][0] < atdt[0][0] < baseline[1][0] < atdt[1][0] < atdt[2][0]  # grouped, Baseline left


def test_a_one_setting_bar_chart_widens_for_its_title(tmp_path):
    panel = {"ylabel": "mIoU", "series": {"Baseline": ([28.5], [0.4]), "AT/DT": ([32.7], [0.4])}}
    title = "Tab. 3: Dep. → Sem., with CycleGAN (mean ± std over seeds, B's test split)"
    picture = _read_rgb(bar_chart(["(c) clean → camera"], [panel], tmp_path / "one.png", title=title))
    assert abs(picture.shape[1] - (0.5 + 0.075 * len(title)) * DPI) <= 1  # not the 3.1 in of one group
    assert len(_bars(picture, C0)) == 1 and len(_bars(picture, C1)) == 1


def test_bar_chart_draws_one_subplot_per_panel(tmp_path):
    panel = {"ylabel": "abs rel", "series": {"AT/DT": ([0.2, 0.4], [0.01, 0.02])}}
    picture = _read_rgb(bar_chart(["a", "b"], [panel, panel], tmp_path / "two.png"))
    assert picture.shape == (round(3.4 * DPI), round((1.2 + 1.9 * 2 * 2) * DPI), 3)
    assert len(_bars(picture, C0)) == 4


def test_many_panels_wrap_into_rows_instead_of_a_chart_metres_wide(tmp_path):
    """7 settings x 7 metrics side by side would be 94 in wide: the panels stack, one a row here."""
    groups = [f"(skips + class-balanced p={k}) clean → camera" for k in range(7)]
    panel = {"ylabel": "IoU", "series": {"Baseline": ([10.0 + k for k in range(7)], [0.0] * 7)}}
    picture = _read_rgb(bar_chart(groups, [panel] * 7, tmp_path / "many.png"))
    assert picture.shape == (round(3.4 * 7 * DPI), round((1.2 + 1.9 * 7) * DPI), 3)
    assert len(_bars(picture, C0)) == 49
