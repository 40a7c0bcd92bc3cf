"""The 11 semantic classes of the paper (CARLA 0.8.4's ten plus sky), in id order."""

CLASSES: tuple[str, ...] = (
    "road",
    "sidewalk",
    "wall",
    "fence",
    "person",
    "pole",
    "vegetation",
    "vehicle",
    "traffic_sign",
    "building",
    "sky",
)
NUM_CLASSES = len(CLASSES)
# one or a few pixels wide at 64x128 (1.7-2.5% of the camera domain's pixels each, or less): the
# classes a single deepest-level transfer loses (the paper's Sec. 6); ``miou_thin`` is their mean IoU
THIN_CLASSES: tuple[str, ...] = ("wall", "fence", "person", "pole", "traffic_sign")
IGNORE_INDEX = 255
MAX_DEPTH = 100.0  # metres; the paper clips depth here and treats anything beyond as unlabelled
