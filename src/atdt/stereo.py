"""Stereo proxy depth (paper Sec. 4: SGM disparities filtered by a left-right check, following
Tonioni et al.): OpenCV's semi-global matching on both views, keep pixels whose left and right
disparities agree, convert to metric depth with the camera."""

from __future__ import annotations

import sys
from multiprocessing.pool import ThreadPool

import numpy as np
from tqdm import tqdm

from atdt.data.errors import DatasetError
from atdt.data.io import check_outputs, encode_depth_png, output_path, write_image


def sgm_disparity(left: np.ndarray, right: np.ndarray, *, max_disparity: int, block_size: int = 5,
                  uniqueness: int = 10) -> np.ndarray:
    """Left-view disparity (float32 px, < 0 = no match) by OpenCV StereoSGBM.

    Both views are padded on the left by the disparity range, so SGBM also matches the first
    columns (which it leaves invalid otherwise). ``proxy_depth`` drops the pixels whose match
    falls into the padding (or too near an edge) and those failing the left-right check."""
    import cv2

    num = max(16, int(np.ceil(max_disparity / 16.0)) * 16)
    sgbm = cv2.StereoSGBM_create(
        minDisparity=0, numDisparities=num, blockSize=block_size,
        P1=8 * 3 * block_size**2, P2=32 * 3 * block_size**2, disp12MaxDiff=-1,
        uniquenessRatio=uniqueness, speckleWindowSize=100, speckleRange=32, mode=cv2.STEREO_SGBM_MODE_SGBM_3WAY,
    )
    pad = [cv2.copyMakeBorder(v, 0, 0, num, 0, cv2.BORDER_REPLICATE) for v in (left, right)]
    return sgbm.compute(*pad)[:, num:].astype(np.float32) / 16.0  # int16 with 4 fractional bits


def proxy_depth(left: np.ndarray, right: np.ndarray, camera: dict, *, min_depth: float = 3.0, block_size: int = 5,
                lr_threshold: float = 1.0, uniqueness: int = 10, min_disparity: float = 0.5) -> tuple[np.ndarray, dict]:
    """Depth labels (float32 HxW metres, 0 = invalid) from a rectified RGB pair (uint8 HxWx3).

    Right disparities come from the mirrored pair (flip both views and swap them); a pixel is
    kept if |dL(x) - dR(x - dL(x))| <= lr_threshold and dL >= min_disparity."""
    fx, baseline = float(camera["fx"]), float(camera["baseline"])
    if baseline <= 0:
        raise ValueError("proxy depth needs a stereo camera (baseline > 0)")
    # the disparity range costs SGM that many unmatched columns at the border: cap it at width / 4
    max_disp = int(np.ceil(min(fx * baseline / min_depth, left.shape[1] / 4)))
    d_left = sgm_disparity(left, right, max_disparity=max_disp, block_size=block_size, uniqueness=uniqueness)
    d_right = sgm_disparity(right[:, ::-1].copy(), left[:, ::-1].copy(), max_disparity=max_disp,
                            block_size=block_size, uniqueness=uniqueness)[:, ::-1]
    h, w = d_left.shape
    cols = np.arange(w)[None, :] - np.round(d_left).astype(int)
    # both matching windows must lie inside their images: sub-pixel estimates at the edges are biased
    margin = block_size // 2 + 1
    x = np.arange(w)[None, :]
    inside = (cols >= margin) & (cols < w - margin) & (x >= margin) & (x < w - margin) & (d_left >= min_disparity)
    matched = d_right[np.arange(h)[:, None], np.clip(cols, 0, w - 1)]
    keep = inside & (matched > 0) & (np.abs(d_left - matched) <= lr_threshold)
    depth = np.zeros((h, w), np.float32)
    depth[keep] = fx * baseline / d_left[keep]
    return depth, {"density": float(keep.mean())}


def label_error(proxy: np.ndarray, exact: np.ndarray, max_depth: float = 100.0) -> dict:
    """How good kept proxy labels are against exact depth (where both are valid)."""
    valid = (proxy > 0) & (exact > 0) & (exact < max_depth)
    if not valid.any():
        return {"abs_rel": float("nan"), "within_5": float("nan"), "within_10": float("nan"), "pixels": 0}
    rel = np.abs(proxy[valid] - exact[valid]) / exact[valid]
    return {"abs_rel": float(rel.mean()), "within_5": float((rel < 0.05).mean()),
            "within_10": float((rel < 0.10).mean()), "pixels": int(valid.sum())}


def _one(job):
    """One pair -> its proxy map; a bad pair comes back as {"error": DatasetError} instead of
    raising inside the pool (which aborted the process while OpenCV threads were still matching)."""
    dataset, i, target, has_depth = job

    try:
        left, right, camera = dataset.read_stereo(i)
    except DatasetError as err:
        return {"error": err}
    depth, info = proxy_depth(left, right, camera)
    write_image(target, encode_depth_png(depth))
    if has_depth:
        info.update(label_error(depth, dataset[i]["depth"].numpy()))
    return info


def write_proxy_depth(dataset, out_dir, *, workers: int = 1, progress: bool = True) -> dict:
    """Proxy depth PNGs (metres x 256, 0 = invalid) at out_dir/<sample name>.png for every sample;
    returns mean density and, where the dataset has exact depth, the labels' error."""
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be an integer >= 1, got {workers!r}")
    if len(dataset) == 0:
        raise ValueError(f"{dataset.domain}: no samples to compute proxy depth for")
    has_depth = "depth" in dataset.labels
    # every target inside out_dir, none the same file as another or as a file the dataset reads
    targets = [output_path(out_dir, f"{name}.png") for name in dataset.names]
    check_outputs(targets, [p for i in range(len(dataset)) for p in dataset.files(i)])
    jobs = [(dataset, i, targets[i], has_depth) for i in range(len(dataset))]
    pool = ThreadPool(workers)  # OpenCV releases the GIL while matching
    try:
        infos = list(tqdm(pool.imap(_one, jobs), total=len(jobs), desc="proxy depth", unit="img",
                          file=sys.stderr, disable=not progress))
        pool.close()
    except BaseException:
        pool.terminate()  # Ctrl-C: stop feeding jobs, then wait for the running ones below
        raise
    finally:
        pool.join()  # every OpenCV call has returned before the interpreter may exit
    errors = [i["error"] for i in infos if "error" in i]
    if errors:
        first = errors[0]
        raise DatasetError(first.path, f"{first.problem} ({len(errors)} of {len(jobs)} stereo pairs unusable; "
                                       f"`atdt data check` lists them all; the other maps were written)")
    summary = {"images": len(infos), "density": float(np.mean([i["density"] for i in infos]))}
    if has_depth:
        for key in ("abs_rel", "within_5", "within_10"):
            summary[key] = float(np.nanmean([i[key] for i in infos]))
    return summary
