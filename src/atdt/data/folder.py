"""Your own data: one documented folder per domain (docs/datasets.md, "Your own data").

    ROOT/splits/<split>.txt       sample ids, whitespace-separated ('#' starts a comment line)
    ROOT/images/<id>.png|.jpg     left RGB (an id may hold '/': subfolders)
    ROOT/right/<id>.png|.jpg      optional: the right view of a rectified stereo pair (proxy depth)
    ROOT/semantic/<id>.png        optional: label values, 8/16-bit single channel or palettised,
                                  mapped by ROOT/labels.yaml (without it: already 0..10, 255 ignore)
    ROOT/depth/<id>.png|.npy      optional: uint16 PNG = metres x depth_scale, or float metres; 0 = none
    ROOT/normals/<id>.png|.npy    optional: the world's 16-bit encoding, or float HxWx3 unit vectors
                                  (OpenCV camera frame); all-zero = none
    ROOT/cameras/<id>.json        optional: fx, fy, cx, cy (pixels) and baseline (metres) per image
    ROOT/folder.yaml              optional: domain (its name), depth_scale (default 256), camera
                                  (one for every image when there is no cameras/ folder)

Cameras follow ``atdt.data.camera``'s rules (numbers, finite, not negative, a stated fx, fy > 0),
with ``baseline`` optional (default 0).

A label kind is carried when its folder exists; a sample whose file is missing then fails to load
(``atdt data check folder ROOT`` lists them). Without any camera, fx = fy = 0 and baseline = 0:
fine for semantics, but depth across domains and proxy depth need cameras.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import yaml
from PIL import Image

from atdt.data.camera import camera_values
from atdt.data.encodings import decode_normals
from atdt.data.errors import DatasetError
from atdt.data.files import FileDataset, Record
from atdt.data.ids import read_split_list
from atdt.data.io import check_image_size, read_ids, read_png16
from atdt.data.labels import apply_label_map, class_ids, read_label_map

SUFFIXES = {"images": (".png", ".jpg", ".jpeg"), "right": (".png", ".jpg", ".jpeg"), "semantic": (".png",),
            "depth": (".png", ".npy"), "normals": (".png", ".npy"), "cameras": (".json",)}
LABEL_FOLDERS = ("semantic", "depth", "normals")
SETTINGS = ("domain", "depth_scale", "camera")  # the keys folder.yaml may hold


def _index(folder: Path, suffixes: tuple[str, ...]) -> dict[str, Path]:
    """id ('/'-separated path below ``folder`` without its suffix) -> file, one scan of the folder."""
    out: dict[str, Path] = {}
    if not folder.is_dir():
        return out
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() not in suffixes or path.name.startswith(".") or not path.is_file():
            continue
        sid = path.relative_to(folder).with_suffix("").as_posix()
        if sid in out:
            raise DatasetError(path, f"two files for sample {sid!r} (also {out[sid].name}); keep one")
        out[sid] = path
    return out


def read_settings(root: Path) -> dict:
    """folder.yaml (optional) checked: unknown keys, a bad depth_scale or camera fail naming the file."""
    path = root / "folder.yaml"
    if not path.is_file():
        return {}
    try:
        settings = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as err:
        raise DatasetError(path, f"not YAML ({err})") from None
    except UnicodeDecodeError:
        raise DatasetError(path, "not a text file (folder.yaml is YAML)") from None
    if not isinstance(settings, dict) or set(settings) - set(SETTINGS):
        raise DatasetError(path, f"keys must be among {', '.join(SETTINGS)}; got {settings!r}")
    scale = settings.get("depth_scale", 256)
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or scale <= 0:
        raise DatasetError(path, f"depth_scale must be a positive number (PNG value per metre), got {scale!r}")
    if "camera" in settings:  # it states the focal length: fx, fy > 0 (atdt.data.camera)
        settings["camera"] = camera_values(_monocular_default(settings["camera"]), path)
    return settings


def _monocular_default(meta):
    """A camera of this format may leave out ``baseline``: 0, a monocular camera."""
    return {"baseline": 0.0, **meta} if isinstance(meta, dict) else meta


def read_label_values(path: Path) -> np.ndarray:
    """HxW label values: a palettised PNG gives its palette indices (Mapillary, PASCAL VOC), any
    other a single-channel 8/16-bit image."""
    if not path.is_file():
        raise DatasetError(path, "file is missing")
    check_image_size(path)  # the pixel cap, from the header, before Pillow decodes a palettised image
    try:
        with Image.open(path) as image:
            if image.mode == "P":
                return np.array(image)
    except OSError:
        pass  # read_ids names the problem
    return read_ids(path)


def _read_npy(path: Path, what: str, shape: str) -> np.ndarray:
    try:
        array = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise DatasetError(path, "file is missing") from None
    except (OSError, ValueError) as err:
        raise DatasetError(path, f"not a NumPy .npy array ({err})") from None
    if (shape == "HxW" and array.ndim != 2) or (shape == "HxWx3" and (array.ndim != 3 or array.shape[2] != 3)):
        raise DatasetError(path, f"{what} .npy must be {shape} floats, got shape {array.shape}")
    return np.nan_to_num(array.astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0)


class FolderDataset(FileDataset):
    def __init__(self, root, split: str):
        root = Path(root)
        if not (root / "images").is_dir():
            raise FileNotFoundError(f"{root} is not a folder dataset (no images/ folder; see docs/datasets.md)")
        split_list = root / "splits" / f"{split}.txt"
        if not split_list.is_file():
            have = sorted(p.stem for p in (root / "splits").glob("*.txt"))
            raise FileNotFoundError(f"{root} has no split {split!r} (splits/{split}.txt; have: {', '.join(have) or 'none'})")
        ids = read_split_list(split_list, comments=True)
        self.root, self.settings = root, read_settings(root)
        self.index = {kind: _index(root / kind, suffixes) for kind, suffixes in SUFFIXES.items()}
        present = {kind for kind in SUFFIXES if (root / kind).is_dir()}

        def path(kind: str, sid: str) -> Path | None:
            if kind not in present:
                return None
            return self.index[kind].get(sid, root / kind / f"{sid}{SUFFIXES[kind][0]}")  # a missing file fails on load

        records = [Record(name=sid, image=path("images", sid), right=path("right", sid), semantic=path("semantic", sid),
                          depth=path("depth", sid), normals=path("normals", sid),
                          camera=path("cameras", sid) or self.settings.get("camera")) for sid in ids]
        super().__init__(records, {kind for kind in LABEL_FOLDERS if kind in present})
        self.domain = f"folder/{self.settings.get('domain', root.name)}"
        self.depth_scale = float(self.settings.get("depth_scale", 256))
        self.label_map_path = root / "labels.yaml"
        self.label_map = read_label_map(self.label_map_path) if self.label_map_path.is_file() else None

    def read_camera(self, record: Record, image_shape) -> dict:
        if isinstance(record.camera, Path):
            try:  # checked by FileDataset._camera, naming the file
                return _monocular_default(json.loads(record.camera.read_text()))
            except FileNotFoundError:
                raise DatasetError(record.camera, "camera file is missing") from None
            except (json.JSONDecodeError, UnicodeDecodeError) as err:
                raise DatasetError(record.camera, f"invalid JSON ({err})") from None
        if record.camera is not None:
            return record.camera
        h, w = image_shape  # no camera given: unknown focal length, a monocular camera
        return {"fx": 0.0, "fy": 0.0, "cx": w / 2, "cy": h / 2, "baseline": 0.0}

    def read_semantic(self, record: Record, image_shape) -> np.ndarray:
        values = read_label_values(record.semantic)
        if self.label_map is None:
            return class_ids(values, record.semantic)
        return apply_label_map(values, self.label_map, record.semantic)

    def read_depth(self, record: Record, camera: dict, image_shape) -> np.ndarray:
        if record.depth.suffix == ".npy":
            depth = _read_npy(record.depth, "depth", "HxW")
            return np.where(depth > 0, depth, 0.0).astype(np.float32)
        return read_png16(record.depth, "depth").astype(np.float32) / self.depth_scale

    def read_normals(self, record: Record, image_shape) -> np.ndarray:
        if record.normals.suffix == ".npy":
            return _read_npy(record.normals, "normals", "HxWx3")
        return decode_normals(read_png16(record.normals, "normals", channels=3))

    def files(self, i: int) -> list[Path]:
        """The sample's files and the folder's settings and label map (they change what it decodes to)."""
        extra = [p for p in (self.root / "folder.yaml", self.label_map_path) if p.is_file()]
        return [*super().files(i), *extra]

    def orphans(self) -> list[Path]:
        """Right views, labels and cameras whose id has no image in images/ (unpaired files)."""
        images = self.index["images"]
        return sorted(p for kind, files in self.index.items() if kind != "images"
                      for sid, p in files.items() if sid not in images)
