"""The class tables against their sources: the Cityscapes table uses the ids and names of
cityscapesScripts' own labels.py."""

from atdt.data.labels import CITYSCAPES, CITYSCAPES_KNOWN

# our class -> the Cityscapes classes collapsed into it (the authors' released code)
COLLAPSE = {"road": {"road"}, "sidewalk": {"sidewalk"}, "building": {"building"}, "wall": {"wall"},
            "fence": {"fence"}, "pole": {"pole"}, "traffic_sign": {"traffic light", "traffic sign"},
            "vegetation": {"vegetation"}, "sky": {"sky"}, "person": {"person"},
            "vehicle": {"car", "motorcycle"}}


def test_the_cityscapes_table_uses_the_official_ids():
    from cityscapesscripts.helpers.labels import id2label, labels

    ours = {}
    for source_id, name in CITYSCAPES.items():
        ours.setdefault(name, set()).add(id2label[source_id].name)
    assert ours == COLLAPSE
    assert all(not id2label[i].ignoreInEval for i in CITYSCAPES)  # every id we train on is an evaluated class
    assert CITYSCAPES_KNOWN == {label.id for label in labels if label.id >= 0}
    # the evaluated classes our collapse ignores, as docs/datasets.md says
    evaluated = {label.name for label in labels if not label.ignoreInEval}
    assert evaluated - set().union(*COLLAPSE.values()) == {"terrain", "rider", "truck", "bus", "train", "bicycle"}
