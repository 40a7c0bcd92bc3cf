"""The paper's own numbers (ICCV 2019 main Tab. 1-6, supplementary Tab. 1-5), as plain data in the
metric keys of ``atdt.metrics``, so our results can be printed beside them. Fig. 4 (the transfer
level) is a plot whose values the text does not give, and the normals of supplementary Sec. 1.5
are shown, not scored: neither has numbers here.

Semantic scores are IoU / mIoU / Acc in percent; depth scores are Abs Rel, Sq Rel, RMSE (m),
RMSE log and δ1-δ3 as fractions. Domain names are the paper's. Transcribed from the paper;
``tests/report/test_paper.py`` checks each semantic row's mIoU against its per-class IoUs.
"""

from __future__ import annotations

from dataclasses import dataclass

from atdt.data.classes import CLASSES
from atdt.tasks import TASKS


def _sem(*values: float) -> dict:
    """11 per-class IoUs in CLASSES order, then mIoU and Acc, as in the paper's columns."""
    assert len(values) == len(CLASSES) + 2
    return {"iou": dict(zip(CLASSES, values[:-2])), "miou": values[-2], "acc": values[-1]}


def _dep(*values: float) -> dict:
    """Abs Rel, Sq Rel, RMSE, RMSE log, δ1, δ2, δ3."""
    keys = TASKS["depth"].metric_keys
    assert len(values) == len(keys)
    return dict(zip(keys, values))


def _sem2(miou: float, acc: float) -> dict:
    """mIoU and Acc only, where the paper prints no per-class IoU (Tab. 5-6, supplementary Tab. 5)."""
    return {"miou": miou, "acc": acc}


@dataclass(frozen=True)
class PaperSetting:
    """One block of rows of a paper table: domains A -> B and each method's scores on B
    (or on A for the supplementary tables, where the methods are N2 and AT/DT), and where the
    table also scores A, each method's scores there (keyed like results.json's ``on_domain_a``)."""

    domain_a: str
    domain_b: str
    methods: dict  # a key of atdt.method.methods.METHODS (or n2) -> scores
    on_a: dict | None = None


@dataclass(frozen=True)
class PaperTable:
    title: str
    task_source: str
    task_target: str
    settings: dict  # label (a, b, c) -> PaperSetting


# The paper prints its Cityscapes Oracle once, under (c); it is B's Oracle for (b) as well.
_CITYSCAPES_SEMANTIC_ORACLE = _sem(95.65, 77.72, 33.02, 37.63, 65.45, 42.087, 89.36, 89.99, 41.36, 86.81, 89.22, 68.02, 93.56)

PAPER_TABLES: dict[str, PaperTable] = {
    "tab1": PaperTable("Tab. 1: Dep. → Sem.", "depth", "semantic", {
        "a": PaperSetting("Synthia", "Carla", {
            "baseline": _sem(63.94, 54.87, 15.21, 0.03, 13.55, 12.78, 52.73, 27.34, 4.88, 50.24, 79.73, 34.12, 73.36),
            "atdt": _sem(73.57, 62.58, 26.85, 0.00, 17.79, 37.30, 35.27, 52.94, 17.76, 62.99, 87.50, 43.14, 80.00),
        }),
        "b": PaperSetting("Synthia", "Cityscapes", {
            "baseline": _sem(6.91, 0.68, 0.00, 0.00, 2.47, 9.14, 3.19, 8.90, 0.81, 25.93, 26.86, 7.72, 28.49),
            "atdt": _sem(85.77, 29.40, 1.23, 0.00, 3.72, 14.55, 1.87, 8.85, 0.38, 42.79, 67.06, 23.24, 64.03),
            "oracle": _CITYSCAPES_SEMANTIC_ORACLE,
        }),
        "c": PaperSetting("Carla", "Cityscapes", {
            "baseline": _sem(71.87, 36.53, 3.99, 6.66, 24.33, 22.20, 66.06, 48.12, 7.60, 60.22, 69.05, 37.88, 74.61),
            "atdt": _sem(76.44, 32.24, 4.75, 5.58, 24.49, 24.95, 68.98, 40.49, 10.78, 69.38, 78.19, 39.66, 76.37),
            "oracle": _CITYSCAPES_SEMANTIC_ORACLE,
        }),
    }),
    "tab2": PaperTable("Tab. 2: Sem. → Dep.", "semantic", "depth", {
        "a": PaperSetting("Synthia", "Carla", {
            "baseline": _dep(0.632, 8.922, 13.464, 0.664, 0.323, 0.578, 0.733),
            "atdt": _dep(0.316, 5.485, 11.712, 0.458, 0.553, 0.785, 0.880),
        }),
        "b": PaperSetting("Carla", "Cityscapes", {
            "baseline": _dep(0.667, 13.500, 16.875, 0.593, 0.276, 0.566, 0.770),
            "atdt": _dep(0.394, 5.837, 13.915, 0.435, 0.337, 0.749, 0.899),
            "oracle": _dep(0.176, 3.116, 9.645, 0.256, 0.781, 0.921, 0.969),
        }),
        "c": PaperSetting("Carla", "Kitti", {  # KITTI: 200 images with semantic labels (low-data regime)
            "baseline": _dep(0.500, 10.602, 10.772, 0.487, 0.384, 0.723, 0.853),
            "atdt": _dep(0.439, 8.263, 9.148, 0.421, 0.483, 0.788, 0.891),
            "oracle": _dep(0.265, 2.256, 5.696, 0.319, 0.672, 0.859, 0.939),
        }),
    }),
    # Tab. 3-4 (Sec. 5.3): AT/DT combined with CycleGAN, Carla -> Cityscapes, tested on CityscapesLikeCarla
    # ("B like A") for the CycleGAN rows. One setting each, keyed like the one of Tab. 1 (c) / Tab. 2 (b)
    # it extends; their Baseline and AT/DT rows are those rows (Tab. 4 prints the Baseline's Sq Rel 13.499).
    "tab3": PaperTable("Tab. 3: Dep. → Sem., with CycleGAN", "depth", "semantic", {
        "c": PaperSetting("Carla", "Cityscapes", {
            "baseline": _sem(71.87, 36.53, 3.99, 6.66, 24.33, 22.20, 66.06, 48.12, 7.60, 60.22, 69.05, 37.88, 74.61),
            "atdt": _sem(76.44, 32.24, 4.75, 5.58, 24.49, 24.95, 68.98, 40.49, 10.78, 69.38, 78.19, 39.66, 76.37),
            "cyclegan": _sem(81.58, 39.15, 6.08, 5.31, 30.22, 21.73, 77.71, 50.00, 8.33, 68.35, 77.22, 42.33, 80.93),
            "atdt_cyclegan": _sem(85.19, 41.37, 5.44, 3.02, 29.90, 24.07, 71.93, 58.09, 7.53, 70.90, 77.78, 43.20, 81.92),
        }),
    }),
    "tab4": PaperTable("Tab. 4: Sem. → Dep., with CycleGAN", "semantic", "depth", {
        "b": PaperSetting("Carla", "Cityscapes", {
            "baseline": _dep(0.667, 13.499, 16.875, 0.593, 0.276, 0.566, 0.770),
            "atdt": _dep(0.394, 5.837, 13.915, 0.435, 0.337, 0.749, 0.899),
            "cyclegan": _dep(0.943, 27.026, 21.666, 0.695, 0.218, 0.478, 0.690),
            "atdt_cyclegan": _dep(0.563, 10.789, 15.636, 0.489, 0.247, 0.668, 0.861),
        }),
    }),
}

# The studies of Sec. 6 and supplementary Sec. 1, each a Dep. -> Sem. setting of Tab. 1 (labelled as
# there) but for supplementary Tab. 4 (Sem. -> Dep., Tab. 2 (b)). Tab. 5, 6 and supplementary Tab. 5
# print mIoU and Acc only; their shared / batch-norm rows are Tab. 1 (b)'s AT/DT (on B) and
# supplementary Tab. 1's (on A). Tab. 5's and supplementary Tab. 5's captions say Synthia -> Carla,
# their text and numbers Synthia -> Cityscapes.
_ATDT_B = {"atdt": _sem2(23.24, 64.03)}  # Tab. 1 (b)
_ATDT_A = {"atdt": _sem2(65.41, 97.53)}  # supplementary Tab. 1

PAPER_TABLES.update({
    "tab5": PaperTable("Tab. 5: shared vs separate N1 (Dep. → Sem.)", "depth", "semantic", {
        "b": PaperSetting("Synthia", "Cityscapes", {**_ATDT_B, "atdt_separate_n1": _sem2(6.42, 29.36)},
                          on_a={**_ATDT_A, "atdt_separate_n1": _sem2(61.73, 97.02)}),
    }),
    "tab6": PaperTable("Tab. 6: batch normalisation (Dep. → Sem.)", "depth", "semantic", {
        "batch norm": PaperSetting("Synthia", "Cityscapes", _ATDT_B, on_a=_ATDT_A),
        "no batch norm": PaperSetting("Synthia", "Cityscapes", {"atdt": _sem2(22.75, 58.29)},
                                      on_a={"atdt": _sem2(72.48, 98.09)}),
    }),
    "supp-tab3": PaperTable("Supplementary Tab. 3: No Transfer (Dep. → Sem.)", "depth", "semantic", {
        "c": PaperSetting("Carla", "Cityscapes", {
            "baseline": PAPER_TABLES["tab1"].settings["c"].methods["baseline"],
            "no_transfer": _sem(84.82, 33.15, 1.00, 1.79, 6.30, 14.26, 69.91, 40.32, 1.84, 65.67, 73.49, 35.69, 79.53),
            "atdt": PAPER_TABLES["tab1"].settings["c"].methods["atdt"],
        }),
    }),
    "supp-tab4": PaperTable("Supplementary Tab. 4: No Transfer (Sem. → Dep.)", "semantic", "depth", {
        "b": PaperSetting("Carla", "Cityscapes", {
            "baseline": PAPER_TABLES["tab2"].settings["b"].methods["baseline"],
            "no_transfer": _dep(0.615, 17.578, 19.924, 0.533, 0.284, 0.646, 0.845),
            "atdt": PAPER_TABLES["tab2"].settings["b"].methods["atdt"],
        }),
    }),
    "supp-tab5": PaperTable("Supplementary Tab. 5: N1 with separate encoders (Dep. → Sem.)", "depth", "semantic", {
        "b": PaperSetting("Synthia", "Cityscapes", {**_ATDT_B, "atdt_separate_encoders": _sem2(11.55, 56.79)}),
    }),
})

# Supplementary Tab. 1-2: N2 and AT/DT on A's test images (A = Synthia, B = Cityscapes), the cost
# of translating features between tasks without a domain shift. Keyed like the main tables.
PAPER_ON_A: dict[str, PaperSetting] = {
    "tab1": PaperSetting("Synthia", "Cityscapes", {
        "n2": _sem(99.23, 87.16, 92.67, 28.62, 48.53, 63.54, 85.02, 88.92, 52.67, 96.91, 98.39, 76.52, 98.45),
        "atdt": _sem(98.34, 76.09, 84.99, 1.06, 29.25, 45.57, 80.15, 85.72, 25.31, 95.53, 97.45, 65.41, 97.53),
    }),
    "tab2": PaperSetting("Synthia", "Cityscapes", {
        "n2": _dep(0.138, 1.212, 4.759, 0.825, 0.864, 0.952, 0.970),
        "atdt": _dep(0.135, 1.271, 5.061, 0.634, 0.863, 0.958, 0.977),
    }),
}


# Studies of the paper that print no numbers: (title, what stands in for the paper's rows), by table.
PAPER_NOTES: dict[str, tuple[str, str]] = {
    "fig4": ("Fig. 4: the transfer level (Dep. → Sem.)",
             "The paper plots mIoU and Acc of AT/DT on A and on B for four split levels of a ResNet-50 "
             "(Synthia → Cityscapes); its text gives no values, so no paper numbers stand beside ours. Its "
             "finding: on B both rise with depth, on A Acc stays flat and mIoU falls."),
    "supp-fig4": ("Supplementary Sec. 1.5: a third task (→ Normals)",
                  "The paper shows Sem. → Norm. (Carla → Cityscapes) qualitatively only (supplementary Fig. 4), "
                  "for want of normals labels on Cityscapes: it has no numbers. Our world has exact normals, "
                  "so ours are scored; Dep. → Norm. is ours alone."),
    "aux-dep2sem": ("Training aids, Dep. → Sem. (ours, beyond the paper)",
                    "The edge head on N1 and N2 and the A/B feature-norm loss on N1 (atdt.auxiliary), each alone, "
                    "both and neither, on the validation splits that chose the demo's setting. The ICCV paper has "
                    "neither; its authors' TPAMI 2023 follow-up reports gains from its own versions of both."),
    "aux-sem2dep": ("Training aids, Sem. → Dep. (ours, beyond the paper)",
                    "As for Dep. → Sem.: the edge head on N1 and N2 and the A/B feature-norm loss on N1, each "
                    "alone, both and neither, on the validation splits."),
}


__all__ = ["PAPER_NOTES", "PAPER_ON_A", "PAPER_TABLES", "PaperSetting", "PaperTable"]
