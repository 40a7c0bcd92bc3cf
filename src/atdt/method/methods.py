"""What an experiment evaluates: ``METHODS``, one entry per method, each with its display label,
the networks it needs (``atdt.method.network_table.NETWORKS``) and how it predicts T2 from them.

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
from atdt.method.network_table import DERIVED, head, makers, networks_needed
from atdt.method.network_types import encoder_on
from atdt.method.predictor import export_predictor
from atdt.method.steps import feature_loss, step4_multiscale, step4_transfer
from atdt.report.figures import tsne_figure
from atdt.report.study import Names
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
    predictor_a: Callable[[dict], Any] | None = None  # on A's test split, where it differs from ``predictor``


@dataclass(frozen=True)
class Evaluation:
    """What evaluating one seed's methods needs: the settings, the target task, the test splits of
    A, B and the domains the methods are tested on (``test["a"]``, ``test["b"]``, ``test["b_like_a"]``),
    A's validation split, the focal ratio f_B / f_A of the test splits (1 unless T2 is depth), the
    device and the seed's folder (only rank 0 evaluates: it writes the figures and files)."""

    cfg: ExperimentConfig
    task: Task
    test: dict
    val_a: Any
    focal_ratio: float
    device: Any
    folder: Path


def depth_scale(method: Method, domain: str, ev: Evaluation) -> float:
    """The one rule for rescaling depth: a method whose T2 head learnt A's camera, applied on B,
    has its depth multiplied by f_B / f_A (``atdt.engine.evaluate.predict`` applies it). A domain
    made from B (B like A) keeps B's cameras, so it is rescaled as B."""
    source = DERIVED[domain].source if domain in DERIVED else domain
    return ev.focal_ratio if method.rescale and source == "b" else 1.0


def _atdt(networks: dict):
    return step4_transfer(networks["n1"].encoder, networks["g"], networks["n2"])


def _atdt_extras(networks: dict, ev: Evaluation) -> dict:
    """AT/DT's transfer loss on A's validation and B's test split, the t-SNE of E1, E2 and G(E1)
    features (supplementary Fig. 1) and the predictor exported as one file (``atdt predict``)."""
    e1, g, e2 = networks["n1"].encoder, networks["g"], networks["n2"].encoder
    out = {"transfer_loss": {"val_a": feature_loss(e1, g, e2, ev.val_a, ev.device),
                             "test_b": feature_loss(e1, g, e2, ev.test["b"], ev.device)},
           "figures": [str(tsne_figure(e1, g, e2, ev.test["a"], ev.folder / "figures" / "tsne.png", device=ev.device))]}
    predictor = _atdt(networks)
    predictor.depth_scale = depth_scale(METHODS["atdt"], "b", ev)
    export_predictor(predictor, ev.folder / "atdt_predictor.pt", task_source=ev.cfg.task_source,
                     task_target=ev.task.name, network=ev.cfg.network, transfer=ev.cfg.transfer)
    return out


def _atdt_multiscale(networks: dict):
    return step4_multiscale(networks["n1"].encoder, networks["g"], networks["g_stages"], networks["n2"])


def _atdt_cyclegan(networks: dict):
    return step4_transfer(networks["n1_cyclegan"].encoder, networks["g_cyclegan"], networks["n2"])


def _transfer_through(n1: str, g: str, domain: str):
    """AT/DT through another N1 and G: D2(G(E1(x))), E1 being ``n1``'s encoder for ``domain``'s images
    (separate N1: N1^A's on A, N1^B's on B; separate encoders: E1^A or E1^B)."""
    return lambda networks: step4_transfer(encoder_on(networks[n1], domain), networks[g], networks["n2"])


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
    # No Transfer (supplementary Sec. 1.2): the T2 head of one network whose shared E also learnt T1
    # on A and B, applied to B as it is; no G
    "no_transfer": Method("No Transfer", needs=("multitask",), predictor=lambda n: head(n["multitask"], "multitask", "target"),
                          rescale=True, on_a=("no_transfer", "No Transfer")),
    # Separate N1^A, N1^B (Sec. 6.2, Tab. 5): G learnt on N1^A's features, applied on B through N1^B's
    "atdt_separate_n1": Method("AT/DT (separate N1)", needs=("n1_a", "n1_b", "g_sep_n1", "n2"),
                               predictor=_transfer_through("n1_b", "g_sep_n1", "b"),
                               predictor_a=_transfer_through("n1_a", "g_sep_n1", "a"), rescale=True,
                               on_a=("atdt_separate_n1", "AT/DT (separate N1)")),
    # N1 with a shared decoder and one encoder per domain (supplementary Sec. 1.3, Tab. 5): D2(G(E1^B(x_B)))
    "atdt_separate_encoders": Method("AT/DT (separate encoders)", needs=("n1_sepenc", "g_sepenc", "n2"),
                                     predictor=_transfer_through("n1_sepenc", "g_sepenc", "b"),
                                     predictor_a=_transfer_through("n1_sepenc", "g_sepenc", "a"), rescale=True,
                                     on_a=("atdt_separate_encoders", "AT/DT (separate encoders)")),
    # Beyond the paper (its Sec. 6 future work): D2 decodes G_k(E1_k(x_B)) at every stage it reads (the deepest through step 3's G)
    "atdt_multiscale": Method("AT/DT multi-scale", needs=("n1", "g", "g_stages", "n2"), predictor=_atdt_multiscale,
                              rescale=True, on_a=("atdt_multiscale", "AT/DT multi-scale")),
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


def report_names() -> Names:
    """What a study's report calls the methods: their labels, and the key of each one's row on A."""
    return Names(labels(), {name: m.on_a[0] for name, m in METHODS.items() if m.on_a})
