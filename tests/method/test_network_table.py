"""The NETWORKS table: every entry names a known type and a block of the experiment config, comes
after what it builds on and after the makers of the domains it learns from, and
``networks_needed`` adds those in table order."""

from dataclasses import fields

from atdt.config import ExperimentConfig
from atdt.method.network_table import DERIVED, NETWORKS, folder_of, makers, networks_needed
from atdt.method.network_types import TYPES


def test_every_entry_comes_after_its_inputs_and_names_what_declares_it():
    order, blocks = list(NETWORKS), {f.name for f in fields(ExperimentConfig)}
    for name, net in NETWORKS.items():
        assert net.type in TYPES and net.settings in blocks, name
        inputs = [*net.builds_on, *makers(net.domains)]
        assert all(order.index(i) < order.index(name) for i in inputs), name
        assert all(d in ("a", "b") or d in DERIVED for d in net.domains), name
    assert len({folder_of(name) for name in NETWORKS}) == len(NETWORKS)  # one run folder each


def test_networks_needed_adds_what_they_build_on_in_table_order():
    assert networks_needed(["g"]) == ["n1", "n2", "g"]
    assert networks_needed(["g_cyclegan"]) == ["n2", "translation", "n1_cyclegan", "g_cyclegan"]
    assert makers(["a", "b_like_a"]) == ["translation"] and folder_of("g") == "transfer" and folder_of("n1") == "n1"
