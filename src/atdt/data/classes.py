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
IGNORE_INDEX = 255
MAX_DEPTH = 100.0  # metres; the paper clips depth here and treats anything beyond as unlabelled
