"""`data check` finds each planted fault."""

import numpy as np

from atdt.cli import main
from atdt.data.check import check_dataset
from atdt.data.io import write_bytes, write_image


def _faults(reports):
    return "\n".join(line for r in reports for line in r.bad)


def test_a_clean_tree_passes(cityscapes_tree, capsys):
    reports = check_dataset("cityscapes", cityscapes_tree, "val", progress=False)
    assert reports[0].samples == 1 and not reports[0].bad
    assert main(["data", "check", "cityscapes", str(cityscapes_tree), "--split", "val", "--quiet"]) == 0
    assert "1 samples, ok" in capsys.readouterr().out


def test_each_planted_fault_is_found(cityscapes_tree, capsys):
    city = cityscapes_tree / "leftImg8bit/val/aachen"
    # a second image with a missing label, a third unreadable, a fourth with a size mismatch,
    # an unknown label id in the first, and a right image without a left one
    for stem, seed in (("aachen_000001_000019", 1), ("aachen_000002_000019", 2), ("aachen_000003_000019", 3)):
        write_image(city / f"{stem}_leftImg8bit.png", np.zeros((6, 8, 3), np.uint8))
        for folder in ("camera",):
            src = next((cityscapes_tree / folder / "val/aachen").glob("*.json"))
            (src.parent / f"{stem}_camera.json").write_text(src.read_text())
        write_image(cityscapes_tree / f"disparity/val/aachen/{stem}_disparity.png", np.zeros((6, 8), np.uint16))
        write_image(cityscapes_tree / f"rightImg8bit/val/aachen/{stem}_rightImg8bit.png", np.zeros((6, 8, 3), np.uint8))
    write_bytes(city / "aachen_000002_000019_leftImg8bit.png", b"not a png")
    write_image(cityscapes_tree / "gtFine/val/aachen/aachen_000002_000019_gtFine_labelIds.png", np.full((6, 8), 7, np.uint8))
    write_image(cityscapes_tree / "gtFine/val/aachen/aachen_000003_000019_gtFine_labelIds.png", np.full((5, 8), 7, np.uint8))
    labels = cityscapes_tree / "gtFine/val/aachen/aachen_000000_000019_gtFine_labelIds.png"
    write_image(labels, np.full((6, 8), 99, np.uint8))
    write_image(cityscapes_tree / "rightImg8bit/val/aachen/aachen_000009_000019_rightImg8bit.png", np.zeros((6, 8, 3), np.uint8))
    found = _faults(check_dataset("cityscapes", cityscapes_tree, "val", progress=False))
    assert "aachen_000000_000019_gtFine_labelIds.png: label ids outside" in found
    assert "aachen_000001_000019_gtFine_labelIds.png: file is missing" in found
    assert "aachen_000002_000019_leftImg8bit.png: unreadable" in found
    assert "aachen_000003_000019_gtFine_labelIds.png: size (5, 8) differs" in found
    assert "aachen_000009_000019_rightImg8bit.png: no matching left image" in found
    assert main(["data", "check", "cityscapes", str(cityscapes_tree), "--split", "val", "--quiet"]) == 1
    assert main(["data", "check", "cityscapes", str(cityscapes_tree), "--split", "val", "--quiet", "--skip-bad"]) == 0
    assert "would be skipped" in capsys.readouterr().out
