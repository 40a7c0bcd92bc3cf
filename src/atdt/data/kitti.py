"""KITTI: stereo 2012/2015 disparity (and depth-prediction PNGs) -> metric depth with each
image's calibration; 2015 semantics (Cityscapes ids) -> 11 classes; the paper's 320x1216
central evaluation crop (``crop="kitti_eval"``).

Layout: ``ROOT/SPLIT/image_2/*.png`` (left), ``image_3`` (right), ``semantic/``, a depth source
(``disp_occ_0/`` or ``disp_noc_0/`` (2015), ``disp_occ/`` or ``disp_noc/`` (2012), or ``depth/``
for depth-prediction PNGs in metres x 256) and ``calib/<id>.txt`` (P2/P3) or
``calib_cam_to_cam/<id>.txt`` (P_rect_02/03). SPLIT is the folder name (training, testing).
"""

from __future__ import annotations

from pathlib import Path

from atdt.data.encodings import kitti_disparity_to_depth, read_kitti_calib
from atdt.data.errors import DatasetError
from atdt.data.files import (
    KITTI_EVAL_CROP,
    FileDataset,
    Record,
    require_dir,
    strict_ids,
)
from atdt.data.io import decode_depth_png, read_ids, read_png16

DISPARITY_FOLDERS = ("disp_occ_0", "disp_noc_0", "disp_occ", "disp_noc")
# focal lengths by image width when no calibration file is given (KITTI's four camera set-ups)
FOCAL_BY_WIDTH = {1242: 721.5377, 1241: 718.856, 1224: 707.0493, 1238: 718.3351}
BASELINE = 0.54


class KittiDataset(FileDataset):
    domain = "kitti"

    def __init__(self, root, split: str = "training", crop: str | None = None):
        root = Path(root) / split
        images = require_dir(root / "image_2", "KITTI image_2")
        self.depth_kind = next((f for f in DISPARITY_FOLDERS if (root / f).is_dir()), "depth" if (root / "depth").is_dir() else None)
        records = []
        for path in sorted(images.glob("*.png")):
            sid = path.stem.split("_")[0]
            calib = next((c for c in (root / "calib" / f"{sid}.txt", root / "calib_cam_to_cam" / f"{sid}.txt") if c.is_file()), None)
            records.append(Record(
                name=f"{split}/{path.stem}", image=path, right=root / "image_3" / path.name,
                semantic=root / "semantic" / path.name,
                depth=root / self.depth_kind / path.name if self.depth_kind else None, camera=calib,
            ))
        labels = {"semantic"} if (root / "semantic").is_dir() else set()
        if self.depth_kind:
            labels.add("depth")
        if crop not in (None, "kitti_eval"):
            raise ValueError(f"unknown KITTI crop {crop!r}; choose kitti_eval or none")
        super().__init__(records, labels, crop=KITTI_EVAL_CROP if crop == "kitti_eval" else None)

    def read_camera(self, record: Record, image_shape) -> dict:
        if record.camera is not None:
            return read_kitti_calib(record.camera)
        h, w = image_shape
        if w not in FOCAL_BY_WIDTH:
            raise DatasetError(record.image, f"no calibration file and unknown image width {w} (known: {sorted(FOCAL_BY_WIDTH)})")
        return {"fx": FOCAL_BY_WIDTH[w], "fy": FOCAL_BY_WIDTH[w], "cx": w / 2, "cy": h / 2, "baseline": BASELINE}

    def read_semantic(self, record: Record, image_shape):
        return strict_ids(read_ids(record.semantic), "kitti", record.semantic)

    def read_depth(self, record: Record, camera: dict, image_shape):
        value = read_png16(record.depth, "depth" if self.depth_kind == "depth" else "disparity")
        if self.depth_kind == "depth":
            return decode_depth_png(value)
        return kitti_disparity_to_depth(value, camera["fx"], camera["baseline"])
