"""Class mappings of every dataset to the paper's 11 classes, as lookup tables.

Each mapping is a readable dict (source id -> our class name); ``lookup_table`` turns it into a
256-entry array with 255 (ignore) for every unlisted id.

Cityscapes follows the authors' released code, which produced the published numbers: car and
motorcycle -> vehicle, traffic light and sign -> traffic_sign; terrain, rider, truck, bus, train,
bicycle and every void id -> ignore. (The paper's text says "car and bicycle"; the code maps
motorcycle and ignores bicycle.)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml

from atdt.data.classes import CLASSES, IGNORE_INDEX
from atdt.data.errors import DatasetError

CITYSCAPES = {  # labelIds
    7: "road", 8: "sidewalk", 11: "building", 12: "wall", 13: "fence", 17: "pole", 19: "traffic_sign",
    20: "traffic_sign", 21: "vegetation", 23: "sky", 24: "person", 26: "vehicle", 32: "vehicle",
}
# every id Cityscapes defines (0..33, and -1 license plate stored as 255 is not in labelIds images)
CITYSCAPES_KNOWN = set(range(34))

SYNTHIA = {  # SYNTHIA-SF class ids in the R channel of GT images
    1: "road", 2: "sidewalk", 3: "building", 4: "wall", 5: "fence", 6: "pole", 7: "traffic_sign",
    8: "traffic_sign", 9: "vegetation", 11: "sky", 12: "person", 14: "vehicle", 18: "vehicle", 20: "road",
}
SYNTHIA_KNOWN = set(range(23))

CARLA = {  # CARLA 0.8.x tags in the red channel; sky comes from depth (far plane)
    1: "building", 2: "fence", 4: "person", 5: "pole", 6: "road", 7: "road", 8: "sidewalk", 9: "vegetation",
    10: "vehicle", 11: "wall", 12: "traffic_sign",
}
CARLA_KNOWN = set(range(13))

TABLES = {"cityscapes": CITYSCAPES, "kitti": CITYSCAPES, "synthia": SYNTHIA, "carla": CARLA}
KNOWN_IDS = {"cityscapes": CITYSCAPES_KNOWN, "kitti": CITYSCAPES_KNOWN, "synthia": SYNTHIA_KNOWN, "carla": CARLA_KNOWN}


def lookup_table(mapping: dict[int, str]) -> np.ndarray:
    table = np.full(256, IGNORE_INDEX, np.uint8)
    for source_id, name in mapping.items():
        table[source_id] = CLASSES.index(name)
    return table


def map_labels(ids: np.ndarray, dataset: str) -> np.ndarray:
    """Source label ids (uint8/uint16 HxW) -> our class ids (int64, 255 = ignore)."""
    table = lookup_table(TABLES[dataset])
    ids = np.asarray(ids)
    out = np.full(ids.shape, IGNORE_INDEX, np.int64)
    inside = ids < 256
    out[inside] = table[ids[inside]]
    return out


def class_ids(ids: np.ndarray, path) -> np.ndarray:
    """Ids already in the paper's classes (0..10, 255 = ignore) -> int64; any other id is a wrong
    file (the loss would fail on it with "Target 50 is out of bounds" deep inside training)."""
    bad = sorted(set(np.unique(ids).tolist()) - set(range(len(CLASSES))) - {IGNORE_INDEX})
    if bad:
        raise DatasetError(path, f"class ids outside 0..{len(CLASSES) - 1} and {IGNORE_INDEX}: {bad[:10]}")
    return ids.astype(np.int64)


def unknown_ids(ids: np.ndarray, dataset: str) -> list[int]:
    """Label ids that the dataset's own table does not define (a sign of a wrong file)."""
    return sorted(set(np.unique(ids).tolist()) - KNOWN_IDS[dataset])


# ----------------------------------------------------------------------------- your own classes

UNLISTED = -1  # a value a label map does not name (an error, unless the map says `other: ...`)


def read_label_map(path) -> np.ndarray:
    """A label-mapping file (YAML or JSON: label value -> one of CLASSES or ``ignore``; an optional
    ``other`` key for every value not listed) -> lookup table of 65536 entries: our class id, 255
    for ignore, UNLISTED for values the file does not name. Errors name the file and the key."""
    path = Path(path)
    try:
        mapping = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise DatasetError(path, "label map is missing") from None
    except yaml.YAMLError as err:
        raise DatasetError(path, f"not YAML/JSON ({err})") from None
    except UnicodeDecodeError:
        raise DatasetError(path, "not a text file (a label map is YAML or JSON)") from None
    if not isinstance(mapping, dict) or not mapping:
        raise DatasetError(path, "a label map is a mapping of label values (0..65535) to class names")
    choices = {**{name: i for i, name in enumerate(CLASSES)}, "ignore": IGNORE_INDEX}
    table = np.full(65536, UNLISTED, np.int64)
    for key, name in mapping.items():
        if not isinstance(name, str) or name not in choices:  # a list or a mapping would not even hash
            raise DatasetError(path, f"{key}: {name!r} is not a class; choose one of: {', '.join(choices)}")
        if key == "other":
            table[table == UNLISTED] = choices[name]  # values listed below or above override it
            continue
        value = int(key) if isinstance(key, int) or (isinstance(key, str) and key.isdigit()) else None
        if value is None or not 0 <= value < 65536:
            raise DatasetError(path, f"{key!r} is not a label value (an integer 0..65535, or `other`)")
    for key, name in mapping.items():
        if key != "other":
            table[int(key)] = choices[name]
    return table


def apply_label_map(values: np.ndarray, table: np.ndarray, path) -> np.ndarray:
    """Label values (uint8/uint16 HxW) -> our class ids (int64, 255 = ignore) through a
    read_label_map table; a value the map does not name is a wrong file or an incomplete map."""
    out = table[np.asarray(values, np.int64)]
    if (out == UNLISTED).any():
        bad = sorted(set(np.asarray(values)[out == UNLISTED].tolist()))
        raise DatasetError(path, f"label values the label map does not name: {bad[:10]} (add them, or `other: ignore`)")
    return out
