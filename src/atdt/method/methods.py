"""What an experiment evaluates: ``METHODS``, one entry per method, each with its display label,
the networks it needs (``atdt.method.networks.NETWORKS``) and how it predicts T2 from them.

``run_experiment`` trains what the chosen methods need, then evaluates each on the test split of
the domain it names (``test_on``: B, or B like A for the CycleGAN methods; the labels are B's
either way) and, where the entry has an ``on_a`` row, on A's (supplementary Tab. 1-2). Adding a
method is one entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from atdt.config import ExperimentConfig
from atdt.method.networks import DERIVED, makers, networks_needed
from atdt.tasks import Task


@dataclass(frozen=True)
class Method:
    label: str  # its name in tables, figures and the printed summary
    needs: tuple[str, ...]  # the networks it predicts with (NETWORKS keys)
    predictor: Callable[[dict], Any]  # trained networks by name -> module: images (B, 3, H, W) -> raw T2 output
    rescale: bool  # its T2 head learnt A's camera: its depth on B is multiplied by f_B / f_A
    on_a: tuple[str, str] | None = None  # (key, label) of its row on A's test split, or None
    figure: bool = True  # a column of the qualitative figure
    extras: Callable[[dict, Evaluation], dict] | None = None  # more results and files (see _atdt_extras)
    test_on: str = "b"  # the domain whose test split it is scored on: "b", or a DERIVED one made from B ("b_like_a")


@dataclass(frozen=True)
class Evaluation:
    """What evaluating one seed's methods needs: the settings, the target task, the test splits of
    A, B and the domains the methods are tested on (``test["a"]``, ``test["b"]``, ``test["b_like_a"]``),
    A's validation split, the focal ratio f_B / f_A of the test splits (1 unless T2 is depth), the
    device, the seed's folder and whether this process writes files (rank 0)."""

    cfg: ExperimentConfig
    task: Task
    test: dict
    val_a: Any
    focal_ratio: float
    device: Any
    folder: Path
    write: bool


def depth_scale(method: Method, domain: str, ev: Evaluation) -> float:
    """The one rule for rescaling depth: a method whose T2 head learnt A's camera, applied on B,
    has its depth multiplied by f_B / f_A (``atdt.engine.evaluate.predict`` applies it). A domain
    made from B (B like A) keeps B's cameras, so it is rescaled as B."""
    source = DERIVED[domain].source if domain in DERIVED else domain
    return ev.focal_ratio if method.rescale and source == "b" else 1.0


def _atdt(networks: dict):
    from atdt.method.steps import step4_transfer

    return step4_transfer(networks["n1"].encoder, networks["g"], networks["n2"])


def _atdt_extras(networks: dict, ev: Evaluation) -> dict:
    """AT/DT's transfer loss on A's validation and B's test split, the t-SNE of E1, E2 and G(E1)
    features (supplementary Fig. 1) and the predictor exported as one file (``atdt predict``)."""
    from atdt.method.predictor import export_predictor
    from atdt.method.steps import feature_loss
    from atdt.report.figures import tsne_figure

    e1, g, e2 = networks["n1"].encoder, networks["g"], networks["n2"].encoder
    out = {"transfer_loss": {"val_a": feature_loss(e1, g, e2, ev.val_a, ev.device),
                             "test_b": feature_loss(e1, g, e2, ev.test["b"], ev.device)}, "figures": []}
    if ev.write:
        out["figures"].append(str(tsne_figure(e1, g, e2, ev.test["a"], ev.folder / "figures" / "tsne.png",
                                              device=ev.device)))
        predictor = _atdt(networks)
        predictor.depth_scale = depth_scale(METHODS["atdt"], "b", ev)
        export_predictor(predictor, ev.folder / "atdt_predictor.pt", task_source=ev.cfg.task_source,
                         task_target=ev.task.name, network=ev.cfg.network, transfer=ev.cfg.transfer)
    return out


def _atdt_cyclegan(networks: dict):
    from atdt.method.steps import step4_transfer

    return step4_transfer(networks["n1_cyclegan"].encoder, networks["g_cyclegan"], networks["n2"])


METHODS: dict[str, Method] = {
    # N2 applied to B as it is: what T2 on B costs without AT/DT
    "baseline": Method("Baseline", needs=("n2",), predictor=lambda n: n["n2"], rescale=True,
                       on_a=("n2", "N2 (trained on A)")),
    # Step 4 (Sec. 3.6, Eq. 4): D2(G(E1(x_B))); no T2 label of B is used
    "atdt": Method("AT/DT", needs=("n1", "g", "n2"), predictor=_atdt, rescale=True, on_a=("atdt", "AT/DT"),
                   extras=_atdt_extras),
    # N2 trained on B's own T2 labels: the reference
    "oracle": Method("Oracle", needs=("oracle",), predictor=lambda n: n["oracle"], rescale=False, figure=False),
    # Sec. 5.3, Tab. 3-4 (c): N2, trained on A, tested on B like A (B's test images made to look like A)
    "cyclegan": Method("CycleGAN", needs=("n2",), predictor=lambda n: n["n2"], rescale=True, test_on="b_like_a"),
    # Tab. 3-4 (d), supp. Sec. 1.4: D2(G(E1(x))) with N1 trained on A and B like A, G on A; tested on B like A
    "atdt_cyclegan": Method("AT/DT + CycleGAN", needs=("n1_cyclegan", "g_cyclegan", "n2"), predictor=_atdt_cyclegan,
                            rescale=True, test_on="b_like_a"),
}


def networks_for(methods: Iterable[str]) -> list[str]:
    """The networks ``methods`` need, with those they build on and the makers of the domains they
    are tested on, in training order."""
    return networks_needed([*(n for m in methods for n in METHODS[m].needs), *makers(METHODS[m].test_on for m in methods)])


def labels() -> dict[str, str]:
    """Display labels of every key results.json uses: each method, and each row on A."""
    out = {name: m.label for name, m in METHODS.items()}
    out.update(dict(m.on_a for m in METHODS.values() if m.on_a))
    return out
