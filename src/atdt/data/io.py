"""Files: images read with clear errors and a size cap checked on the header before decoding;
every file atdt writes whole (images, arrays, JSON, YAML, checkpoints, ONNX models) written
atomically (a killed writer or a full disk leaves no half file, a link at the target is replaced,
never written through), and where a name comes from data, inside its output folder
(``output_path``) and over none of the inputs (``check_outputs``). Logs that grow (train.csv,
TensorBoard events) are appended to instead."""

from __future__ import annotations

import io
import os
import struct
import tempfile
from pathlib import Path

import numpy as np

from atdt.data.errors import DatasetError


def _cv2():
    import cv2

    return cv2


MAX_PIXELS_VARIABLE = "ATDT_MAX_IMAGE_PIXELS"
DEFAULT_MAX_PIXELS = 8192 * 8192  # 32x Cityscapes' 2048x1024; a 20000x20000 PNG of 389 KB would decode to 1.2 GB


def max_image_pixels() -> int:
    """The largest image (width x height) atdt decodes: ``ATDT_MAX_IMAGE_PIXELS`` or 8192 x 8192."""
    text = os.environ.get(MAX_PIXELS_VARIABLE)
    if text is None or not text.strip():
        return DEFAULT_MAX_PIXELS
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"{MAX_PIXELS_VARIABLE}={text!r}: expected a pixel count >= 1 (default {DEFAULT_MAX_PIXELS})")
    return value


_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}  # JPEG frame headers


def _jpeg_size(f) -> tuple[int, int] | None:
    """(height, width) from a JPEG's frame header: the markers before it are skipped by length."""
    f.seek(2)
    while True:
        byte = f.read(1)
        if byte != b"\xff":
            return None
        while byte == b"\xff":  # fill bytes
            byte = f.read(1)
        if not byte:
            return None
        code = byte[0]
        if code == 0x01 or 0xD0 <= code <= 0xD8:  # markers without a length
            continue
        length = f.read(2)
        if code == 0xD9 or len(length) < 2 or struct.unpack(">H", length)[0] < 2:
            return None
        if code in _SOF:
            frame = f.read(5)
            return struct.unpack(">xHH", frame) if len(frame) == 5 else None
        f.seek(struct.unpack(">H", length)[0] - 2, 1)


def image_size(path: str | Path) -> tuple[int, int]:
    """(height, width) read from the file's header, without decoding the pixels: PNG's IHDR,
    JPEG's frame header, other formats through Pillow's lazy open (which reads the header only)."""
    path = Path(path)
    with open(path, "rb") as f:
        head = f.read(24)
        if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
            width, height = struct.unpack(">II", head[16:24])
            return height, width
        if head.startswith(b"\xff\xd8") and (size := _jpeg_size(f)) is not None:
            return size
    from PIL import Image

    try:
        with Image.open(path) as image:
            width, height = image.size
    except Image.DecompressionBombError as err:
        raise DatasetError(path, f"{err} (Pillow's limit, for formats other than PNG and JPEG)") from None
    except (OSError, SyntaxError, ValueError, struct.error):
        raise DatasetError(path, "unreadable or corrupt image (no PNG, JPEG or other image header)") from None
    return height, width


def check_image_size(path: str | Path) -> tuple[int, int]:
    """The image's (height, width) from its header, or DatasetError if it is over the pixel limit
    (``max_image_pixels``): checked before OpenCV allocates the decoded image."""
    height, width = image_size(path)
    limit = max_image_pixels()
    if height < 1 or width < 1:
        raise DatasetError(path, f"unreadable or corrupt image (its header says {width}x{height} pixels)")
    if height * width > limit:
        raise DatasetError(path, f"image is {width}x{height} = {height * width} pixels, over the limit of {limit} "
                                 f"pixels; set {MAX_PIXELS_VARIABLE} to raise it")
    return height, width


def read_image(path: str | Path, *, flags: str = "unchanged") -> np.ndarray:
    """Read a PNG/JPEG as stored (16-bit stays 16-bit); colour images come back as RGB. Images
    over ``max_image_pixels`` are refused from their header, before decoding."""
    cv2 = _cv2()
    path = Path(path)
    if not path.is_file():
        raise DatasetError(path, "file is missing")
    check_image_size(path)
    mode = {"unchanged": cv2.IMREAD_UNCHANGED, "color": cv2.IMREAD_COLOR, "gray": cv2.IMREAD_GRAYSCALE}[flags]
    array = cv2.imread(str(path), mode)
    if array is None:
        raise DatasetError(path, "unreadable or corrupt image")
    if array.ndim == 3 and array.shape[2] >= 3:
        array = cv2.cvtColor(array[:, :, :3], cv2.COLOR_BGR2RGB)
    return array


def read_rgb(path: str | Path) -> np.ndarray:
    """uint8 HxWx3 RGB."""
    array = read_image(path, flags="color")
    return array


def read_ids(path: str | Path, what: str = "semantic label") -> np.ndarray:
    """A single-channel 8- or 16-bit label image (class or source ids), HxW."""
    array = read_image(path)
    if array.ndim != 2:
        raise DatasetError(path, f"{what} PNG must be single-channel ids, got {array.shape[2]} channels (saved as RGB?)")
    if array.dtype not in (np.uint8, np.uint16):
        raise DatasetError(path, f"{what} PNG must be 8- or 16-bit, got {array.dtype}")
    return array


def read_png16(path: str | Path, what: str = "depth", channels: int = 1) -> np.ndarray:
    """A 16-bit PNG with ``channels`` channels (HxW for 1, HxWx3 for 3), else DatasetError: an
    8-bit depth PNG decodes to at most 0.98 m and would train silently on nonsense."""
    array = read_image(path)
    have = 1 if array.ndim == 2 else array.shape[2]
    if have != channels or array.dtype != np.uint16:
        bits = 8 * array.dtype.itemsize
        raise DatasetError(path, f"{what} PNG must be {channels}-channel 16-bit, got {have}-channel {bits}-bit")
    return array


def write_image(path: str | Path, array: np.ndarray) -> None:
    """Write a PNG atomically: encode in memory, write a temporary file beside it, rename.

    uint8 or uint16 arrays; HxWx3 arrays are taken as RGB.
    """
    cv2 = _cv2()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if array.ndim == 3 and array.shape[2] == 3:
        array = cv2.cvtColor(np.ascontiguousarray(array), cv2.COLOR_RGB2BGR)
    ok, encoded = cv2.imencode(path.suffix or ".png", array)
    if not ok:
        raise ValueError(f"could not encode {path}")
    write_bytes(path, encoded.tobytes())


def write_text(path: str | Path, text: str) -> None:
    """A text file (JSON, YAML, markdown, CSV), written atomically (``write_bytes``)."""
    write_bytes(path, text.encode())


def write_array(path: str | Path, array: np.ndarray) -> None:
    """A ``.npy`` file, written atomically (``write_bytes``): np.save would write through a link
    planted at the path and leave a truncated file on a full disk."""
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array), allow_pickle=False)
    write_bytes(path, buffer.getvalue())


def output_path(folder: str | Path, name: str | Path) -> Path:
    """``folder/name`` for a writer whose ``name`` comes from data (a sample id, an image's name):
    ValueError unless the target stays inside ``folder`` once ``..`` and links in its folders are
    followed. (A link at the target itself is replaced by the atomic write, not written through.)"""
    base = Path(folder).resolve()
    target = base / name
    if target.name in ("", ".", ".."):
        raise ValueError(f"{str(name)!r} is not a file name inside {folder}")
    parent = target.parent.resolve()
    if parent != base and base not in parent.parents:
        raise ValueError(f"{str(name)!r} would be written outside {folder} (at {parent / target.name}, through '..', "
                         "an absolute name or a link); refusing to write there")
    return parent / target.name


def _entry(path: str | Path) -> Path:
    """The directory entry a write to ``path`` replaces: its folder resolved, its own name kept."""
    path = Path(path)
    return path.parent.resolve() / path.name


def check_outputs(outputs, inputs=()) -> None:
    """Before any work: ValueError if two outputs are the same file or an output would replace
    an input (compared as written, and as the input's resolved file)."""
    seen: dict[Path, Path] = {}
    for out in outputs:
        entry = _entry(out)
        if entry in seen:
            raise ValueError(f"two outputs would be written to the same file {entry}; refusing before any work")
        seen[entry] = Path(out)
    for path in inputs:
        for entry in (_entry(path), Path(path).resolve()):
            if entry in seen:
                raise ValueError(f"output {seen[entry]} would overwrite the input {path}; write to another folder")


def current_umask() -> int:
    """The process umask, read without changing it (os.umask would race with writer threads)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # no /proc: read it the classic way
    os.umask(mask)
    return mask


def write_bytes(path: str | Path, data: bytes) -> None:
    """Atomic file write (temporary file in the same folder + os.replace), with the mode an
    ordinary open() would give (mkstemp makes 0600 files, which lab-mates could not read).
    A device or pipe at ``path`` (/dev/null, a FIFO) is written to, never replaced by a file."""
    path = Path(path)
    if path.exists() and not path.is_symlink() and not path.is_file() and not path.is_dir():
        with path.open("wb") as f:
            f.write(data)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~current_umask())
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def encode_depth_png(depth_m: np.ndarray) -> np.ndarray:
    """Metres -> uint16 (metres x 256, 0 = no label); non-finite and <= 0 become 0."""
    depth = np.where(np.isfinite(depth_m) & (depth_m > 0), depth_m, 0.0)
    return np.clip(np.round(depth * 256.0), 0, 65535).astype(np.uint16)


def decode_depth_png(array: np.ndarray) -> np.ndarray:
    """uint16 (metres x 256, 0 = no label) -> float32 metres."""
    return array.astype(np.float32) / 256.0
