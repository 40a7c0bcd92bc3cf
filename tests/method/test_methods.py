"""The METHODS table: which networks each method needs (with what they build on and the makers of
the domains they are tested on, in training order) and which networks it predicts through."""

from atdt.config import NetworkConfig
from atdt.method.methods import METHODS, networks_for
from atdt.method.network_table import DERIVED, NETWORKS, networks_needed
from atdt.method.network_types import TYPES

NETWORK = NetworkConfig(output_stride=16, decoder_channels=(16, 16, 16))


def test_the_study_methods_predict_through_the_right_networks():
    """Separate N1: G on N1^B's encoder on B, N1^A's on A; separate encoders: E1^B / E1^A of one
    network; No Transfer: the multi-task network's T2 (target) head."""
    from atdt.networks import build_multitask_network, build_separate_encoder_network, build_task_network
    from atdt.networks.transfer import TransferNetwork

    network = NETWORK
    nets = {"n1_a": build_task_network(network, 1), "n1_b": build_task_network(network, 1),
            "n2": build_task_network(network, 11), "g_sep_n1": TransferNetwork(512, 512, width=8),
            "n1_sepenc": build_separate_encoder_network(network, 1), "g_sepenc": TransferNetwork(512, 512, width=8),
            "multitask": build_multitask_network(network, {"depth": 1, "semantic": 11})}
    sep_n1, sep_enc = METHODS["atdt_separate_n1"], METHODS["atdt_separate_encoders"]
    assert sep_n1.predictor(nets).e1 is nets["n1_b"].encoder and sep_n1.predictor_a(nets).e1 is nets["n1_a"].encoder
    assert sep_n1.predictor(nets).g is nets["g_sep_n1"] and sep_n1.predictor(nets).d2 is nets["n2"].decoder
    assert sep_enc.predictor(nets).e1 is nets["n1_sepenc"].encoder_for("b")
    assert sep_enc.predictor_a(nets).e1 is nets["n1_sepenc"].encoder_for("a")
    assert METHODS["no_transfer"].predictor(nets).decoder is nets["multitask"].decoders["semantic"]
    assert METHODS["no_transfer"].predictor_a is None and METHODS["no_transfer"].on_a == ("no_transfer", "No Transfer")


def test_a_method_trains_what_it_needs_and_what_that_builds_on_in_order():
    assert networks_for(["baseline"]) == ["n2"]
    assert networks_for(["oracle", "baseline"]) == ["n2", "oracle"]
    assert networks_for(["atdt"]) == ["n1", "n2", "g"]
    assert networks_for(["oracle", "atdt", "baseline"]) == ["n1", "n2", "oracle", "g"]
    assert networks_for(["atdt_separate_n1"]) == ["n2", "n1_a", "n1_b", "g_sep_n1"]
    assert networks_for(["atdt_separate_encoders", "no_transfer"]) == ["n2", "multitask", "n1_sepenc", "g_sepenc"]
    for name, method in METHODS.items():
        assert set(method.needs) <= set(NETWORKS), name


def test_the_cyclegan_methods_need_the_translation_and_what_learns_from_b_like_a():
    assert networks_for(["cyclegan"]) == ["n2", "translation"]
    assert networks_for(["atdt_cyclegan"]) == ["n2", "translation", "n1_cyclegan", "g_cyclegan"]
    assert networks_needed(["n1_cyclegan"]) == ["translation", "n1_cyclegan"]  # its domain's maker first
    assert networks_for(["baseline", "atdt"]) == ["n1", "n2", "g"]  # no translation unless a method needs it
    assert (METHODS["cyclegan"].test_on, METHODS["atdt_cyclegan"].test_on, METHODS["atdt"].test_on) == ("b_like_a",) * 2 + ("b",)
    order = list(NETWORKS)
    for name, net in NETWORKS.items():
        for domain in net.domains:
            assert domain in ("a", "b") or order.index(DERIVED[domain].made_by) < order.index(name), name
    for derived in DERIVED.values():
        assert TYPES[NETWORKS[derived.made_by].type].product is not None
