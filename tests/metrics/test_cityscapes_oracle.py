"""cityscapesScripts' own pixel-level evaluation as an oracle for atdt's semantic scores.

Fixture: a few small Cityscapes val images whose gtFine labelIds use the ids our 11-class table
maps (atdt.data.labels.CITYSCAPES) and void ids, and predictions in Cityscapes' label-id format
(the ground truth with a third of the pixels replaced by other ids, void ones included). The
official script evaluates its 19 classes on label ids; atdt collapses ground truth (through the
Cityscapes loader) and predictions to its 11 classes and scores them.

- The classes that are one Cityscapes class each (road, sidewalk, building, wall, fence, pole,
  vegetation, sky, person) score the same IoU as the official script's.
- traffic_sign (traffic light + sign) and vehicle (car + motorcycle) are unions: the official
  script, run on the same files with light relabelled as sign and motorcycle as car, scores them
  and the mIoU as atdt does.
Ground truth of the evaluated classes our table ignores (terrain, rider, truck, bus, train,
bicycle) is left out on purpose: the official script counts a prediction on them as a false
positive, our collapse (as the authors' code) ignores those pixels, so the numbers differ there
by design.

The script prints IoUs as fractions with 3 decimals ("{:>5.3f}"); atdt's are percent. Both are
exact ratios of pixel counts, so they are compared exactly and as printed.
"""

import json
import math
import re

import numpy as np
import pytest
from fixture_files import image

from atdt.data import CLASSES, load_dataset
from atdt.data.io import write_image
from atdt.data.labels import CITYSCAPES, map_labels
from atdt.metrics import semantic_scores

ONE_TO_ONE = {"road": "road", "sidewalk": "sidewalk", "building": "building", "wall": "wall", "fence": "fence",
              "pole": "pole", "vegetation": "vegetation", "sky": "sky", "person": "person"}  # ours -> theirs
VOID = (0, 1, 3, 4, 5, 6)  # ignored in evaluation by Cityscapes and by our table
MERGE = {19: 20, 32: 26}  # traffic light -> traffic sign, motorcycle -> car: our unions in their ids
STEMS = ("aachen_000000_000019", "aachen_000001_000019", "bochum_000000_000313")


def _fixture(root):
    """Cityscapes val images with gtFine labelIds (blocks of our table's and void ids) and
    predictions: (ground-truth paths, prediction paths)."""
    rng = np.random.default_rng(0)
    ids = np.array(sorted(CITYSCAPES) + list(VOID), np.uint8)
    camera = {"extrinsic": {"baseline": 0.2}, "intrinsic": {"fx": 100.0, "fy": 100.0, "u0": 16.0, "v0": 8.0}}
    gts, preds = [], []
    for stem in STEMS:
        city = stem.split("_")[0]
        blocks = rng.choice(ids, size=(4, 8))  # 4x4-pixel blocks: every class gets whole regions
        gt = np.kron(blocks, np.ones((4, 4), np.uint8))  # (16, 32)
        pred = gt.copy()
        wrong = rng.random(gt.shape) < 0.35  # partial overlaps, some predictions on void ids
        pred[wrong] = rng.choice(ids, size=int(wrong.sum()))
        gt_path = root / "gtFine/val" / city / f"{stem}_gtFine_labelIds.png"
        write_image(gt_path, gt)
        write_image(root / "leftImg8bit/val" / city / f"{stem}_leftImg8bit.png", image(16, 32))
        (root / "camera/val" / city).mkdir(parents=True, exist_ok=True)
        (root / "camera/val" / city / f"{stem}_camera.json").write_text(json.dumps(camera))
        pred_path = root / "results" / f"{stem}_pred.png"
        write_image(pred_path, pred)
        gts.append(gt_path)
        preds.append(pred_path)
    return gts, preds


def _official(preds, gts, tmp_path, monkeypatch, capsys) -> tuple[dict, str]:
    """evalPixelLevelSemanticLabeling.evaluateImgLists on the files: (its JSON, what it printed)."""
    from cityscapesscripts.evaluation import evalPixelLevelSemanticLabeling as official

    monkeypatch.setattr(official.args, "evalInstLevelScore", False)  # nIoU needs instanceIds files
    monkeypatch.setattr(official.args, "colorized", False)
    monkeypatch.setattr(official.args, "quiet", False)
    monkeypatch.setattr(official.args, "JSONOutput", True)
    monkeypatch.setattr(official.args, "exportFile", str(tmp_path / "official.json"))
    capsys.readouterr()
    official.evaluateImgLists([str(p) for p in preds], [str(p) for p in gts], official.args)
    return json.loads((tmp_path / "official.json").read_text()), capsys.readouterr().out


def _printed_ious(out: str) -> dict[str, str]:
    """The "classes IoU nIoU" block the script prints (before its categories): class -> IoU as printed,
    and "average" -> the printed mean over the classes."""
    block = out[out.index("classes          IoU"):]
    block, average = block.split("Score Average : ", 1)
    scores = {m[1]: m[2] for m in re.finditer(r"^(\w[\w ]*?) *: +(\S+) +\S+$", block, re.M)}
    return {**scores, "average": average.split()[0]}


def _ours(root, preds) -> dict:
    """atdt's scores: ground truth through the Cityscapes loader, predictions collapsed by our table."""
    from atdt.data.io import read_ids

    gt = load_dataset("cityscapes", root, "val")
    assert [n.split("/")[-1] for n in gt.names] == sorted(STEMS)
    by_stem = {p.name[: -len("_pred.png")]: p for p in preds}
    pred_maps = [map_labels(read_ids(by_stem[n.split("/")[-1]]), "cityscapes") for n in gt.names]
    return semantic_scores(pred_maps, [gt[i]["semantic"] for i in range(len(gt))])


def test_one_to_one_classes_score_as_the_official_evaluation(tmp_path, monkeypatch, capsys):
    root = tmp_path / "cityscapes"
    gts, preds = _fixture(root)
    theirs, printed = _official(preds, gts, tmp_path, monkeypatch, capsys)
    ours = _ours(root, preds)
    printed = _printed_ious(printed)
    for our_name, their_name in ONE_TO_ONE.items():
        iou = theirs["classScores"][their_name]
        assert 0.2 < iou < 0.95, (their_name, iou)  # non-trivial: partial overlaps everywhere
        assert ours["iou"][our_name] / 100 == pytest.approx(iou, abs=1e-12), our_name
        assert f"{ours['iou'][our_name] / 100:5.3f}" == printed[their_name], our_name


def test_merged_classes_and_miou_score_as_the_official_evaluation(tmp_path, monkeypatch, capsys):
    from atdt.data.io import read_ids

    root = tmp_path / "cityscapes"
    gts, preds = _fixture(root)
    merged = []
    for path in [*gts, *preds]:  # the official files with our unions done in Cityscapes' own ids
        ids = read_ids(path).copy()
        for source, target in MERGE.items():
            ids[ids == source] = target
        out = tmp_path / "merged" / path.relative_to(tmp_path)
        write_image(out, ids)
        merged.append(out)
    theirs, printed = _official(merged[len(gts):], merged[: len(gts)], tmp_path, monkeypatch, capsys)
    ours = _ours(root, preds)  # on the original files: the collapse does the merging
    names = {**ONE_TO_ONE, "traffic_sign": "traffic sign", "vehicle": "car"}
    assert set(names) == set(CLASSES)
    for our_name, their_name in names.items():
        assert ours["iou"][our_name] / 100 == pytest.approx(theirs["classScores"][their_name], abs=1e-12), our_name
    # the script's mean is over the classes with a score: exactly our 11 here
    assert sum(not math.isnan(v) for v in theirs["classScores"].values()) == len(CLASSES)
    assert ours["miou"] / 100 == pytest.approx(theirs["averageScoreClasses"], abs=1e-12)
    assert f"{ours['miou'] / 100:5.3f}" == _printed_ious(printed)["average"]
