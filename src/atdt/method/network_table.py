"""What an experiment can train: ``NETWORKS``, one entry per network, each declaring its inputs once.

An entry names its type (``atdt.method.network_types.TYPES``: how networks of that kind declare,
check and train), its task (the experiment's T1, ``"source"``, or T2, ``"target"``), the domains
whose training splits it learns from (every batch holds equal shares of each), the block of
ExperimentConfig that holds its settings and the networks it builds on. Its fingerprint
(``atdt.engine.reuse``) hashes exactly those inputs, so a network is trained once, on demand
(``atdt.method.seed_run.ensure_network``), and reused wherever they recur: by every method that
needs it, and across experiments and studies (N1 and N2 do not depend on G's settings, N2 and the
Oracle not on T1). Adding a network is one entry in NETWORKS, and a new kind of network one entry
in TYPES.

Besides the experiment's domains "a" and "b", a network can learn from (and a method be tested
on) a domain that another network makes (``DERIVED``): "b_like_a", B translated to look like A by
the ``translation`` network. Asking for such a domain trains its maker first.
The split level (``network.split_level``, paper Sec. 6.1) is where E ends and D begins. Without
skip connections it does not change N = D(E(x)), so task networks are trained and keyed at the
deepest split (``atdt.method.network_types.task_network_settings``) and cut at the configured
level when used (``atdt.networks.task_network.cut_at``): the transfer-level study trains N1 and N2
once and G once per level (G's fingerprint holds the level).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple


@dataclass(frozen=True)
class Network:
    """One trainable network of an experiment."""

    type: str  # how it is declared and trained: a key of TYPES
    domains: tuple[str, ...]  # training splits it learns from: "a", "b" (the experiment's domain_a, domain_b), or DERIVED
    settings: str  # the ExperimentConfig block holding its settings: n1, n2, oracle, transfer, translate
    #   (read once, by ``atdt.method.network_types.declare``)
    desc: str  # progress label, naming its step of the paper
    task: str = ""  # "source" (T1) or "target" (T2); G has none: it maps T1's features to T2's
    builds_on: tuple[str, ...] = ()  # networks it needs, trained first; their fingerprints enter its own
    folder: str = ""  # its run folder in the seed's folder; "" = its key in NETWORKS
    heads: tuple[tuple[str, tuple[str, ...]], ...] = ()  # multi-task: (task role, domains whose labels train it)


class Derived(NamedTuple):
    """A domain that a network makes; read like the experiment's own once that network is trained."""

    made_by: str  # the NETWORKS entry (its type has a ``product``)
    source: str  # the domain it is made from: it carries that domain's labels and cameras


def head(network, name: str, role: str):
    """The head of multi-task network ``name`` (a NETWORKS entry) trained for ``role`` (source, target),
    as a TaskNetwork: heads are built in the order the entry declares them."""
    roles = [r for r, _ in NETWORKS[name].heads]
    return network.head(network.heads[roles.index(role)])


NETWORKS: dict[str, Network] = {
    # Step 1 (Sec. 3.3): T1 on A and B, one shared network whose every batch is half A, half B, so
    # E1 gives both domains one representation (ablation Sec. 6.2)
    "n1": Network("task", task="source", domains=("a", "b"), settings="n1", desc="step 1: N1 on A+B"),
    # Step 2 (Sec. 3.4): T2 on A, the only domain with T2 labels; applied to B as it is, the Baseline
    "n2": Network("task", task="target", domains=("a",), settings="n2", desc="step 2: N2 on A"),
    # the Oracle: T2 trained with B's labels, the reference AT/DT tries to approach
    "oracle": Network("task", task="target", domains=("b",), settings="oracle", desc="oracle: N2 on B"),
    # Step 3 (Sec. 3.5): G from N1's deepest features to N2's, on A only, both encoders frozen
    "g": Network("transfer", domains=("a",), settings="transfer", desc="step 3: G on A", builds_on=("n1", "n2"),
                 folder="transfer"),
    # Multi-scale transfer (beyond the paper, its Sec. 6 future work): G_k on A from N1's features
    # at each shallower stage k that D2 reads to N2's, both encoders frozen; the deepest is g
    "g_stages": Network("transfer_stages", domains=("a",), settings="transfer", desc="multi-scale: G_k on A",
                        builds_on=("n1", "n2"), folder="transfer_stages"),
    # Shared vs non-shared N1 (Sec. 6.2, Tab. 5): N1^A and N1^B, each on one domain, N1's settings,
    # and G from N1^A's features to N2's on A (applied on B through N1^B's encoder)
    "n1_a": Network("task", task="source", domains=("a",), settings="n1", desc="separate N1: N1^A on A"),
    "n1_b": Network("task", task="source", domains=("b",), settings="n1", desc="separate N1: N1^B on B"),
    "g_sep_n1": Network("transfer", domains=("a",), settings="transfer", desc="separate N1: G on A",
                        builds_on=("n1_a", "n2"), folder="transfer_sep_n1"),
    # No Transfer (supplementary Sec. 1.2, Tab. 3-4): E shared by a T1 head trained on A and B and
    # a T2 head trained on A, with N1's settings (without the auxiliary losses)
    "multitask": Network("multitask", domains=("a", "b"), settings="n1", desc="no transfer: E + D1 (A+B) + D2 (A)",
                         heads=(("source", ("a", "b")), ("target", ("a",)))),
    # N1 with separate encoders (supplementary Sec. 1.3, Tab. 5): E1^A on A, E1^B on B, one D1, N1's
    # settings (without the auxiliary losses), and G from E1^A's features to N2's on A
    "n1_sepenc": Network("separate_encoders", task="source", domains=("a", "b"), settings="n1",
                         desc="separate encoders: N1 on A+B"),
    "g_sepenc": Network("transfer", domains=("a",), settings="transfer", desc="separate encoders: G on A",
                        builds_on=("n1_sepenc", "n2"), folder="transfer_sepenc"),
    # Sec. 5.3 / supp. Sec. 1.4: CycleGAN between A and B; its product, B like A, is the domain b_like_a
    "translation": Network("translation", domains=("a", "b"), settings="translate", desc="CycleGAN: B like A"),
    # AT/DT + CycleGAN, step 1: T1 on A and B like A (the paper's N1 on A and BlikeA)
    "n1_cyclegan": Network("task", task="source", domains=("a", "b_like_a"), settings="n1",
                           desc="step 1: N1 on A+(B like A)"),
    # AT/DT + CycleGAN, step 3: G on A from that N1's features to N2's
    "g_cyclegan": Network("transfer", domains=("a",), settings="transfer", desc="step 3: G on A (N1 of A+(B like A))",
                          builds_on=("n1_cyclegan", "n2"), folder="transfer_cyclegan"),
}

DERIVED: dict[str, Derived] = {
    # B's images translated to look like A (the paper's CityscapesLikeCarla, "BlikeA"), B's labels
    "b_like_a": Derived(made_by="translation", source="b"),
}


def folder_of(name: str) -> str:
    return NETWORKS[name].folder or name


def makers(domains: Iterable[str]) -> list[str]:
    """The networks that make the DERIVED ones among ``domains``."""
    return [DERIVED[d].made_by for d in domains if d in DERIVED]


def networks_needed(names: Iterable[str]) -> list[str]:
    """``names``, every network they build on and the makers of the domains they learn from, in
    NETWORKS order (a network after its inputs)."""
    wanted, stack = set(), list(names)
    while stack:
        name = stack.pop()
        if name not in wanted:
            wanted.add(name)
            stack.extend([*NETWORKS[name].builds_on, *makers(NETWORKS[name].domains)])
    return [name for name in NETWORKS if name in wanted]
