"""How each kind of network declares its settings and trains: ``TYPES``, one entry per kind.

A NETWORKS entry (``atdt.method.networks``) names its type. The type's ``declare`` turns the
entry and the experiment config into plain values (``Declared``: the task, the network and
training settings, the labels its domains must carry), which its fingerprint hashes and
validation checks; its ``train`` trains the network (or resumes it, or loads it when finished)
from a seed run. A new kind of network is one entry in TYPES.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from atdt.config import DataConfig, ExperimentConfig, NetworkConfig, TrainConfig
from atdt.method import translation
from atdt.typed_config import to_dict

if TYPE_CHECKING:
    from atdt.method.networks import Network, SeedRun


class Declared(NamedTuple):
    """A network's settings as plain values: what its fingerprint hashes and validation checks."""

    task: str  # the task name the fingerprint records ("transfer" for G)
    network: Any  # a NetworkConfig, or G's settings as a dict
    train: TrainConfig
    key: str  # where ``train`` lives in the experiment config (error messages): "n1", "transfer.train"
    labels: tuple[str, ...]  # label keys the training split of each of its domains must carry
    labels_on: dict[str, tuple[str, ...]] | None = None  # more label keys, for some domains only

    def labels_for(self, domain: str) -> tuple[str, ...]:
        """The label keys the training split of ``domain`` must carry."""
        more = (self.labels_on or {}).get(domain, ())
        return self.labels + tuple(k for k in more if k not in self.labels)


@dataclass(frozen=True)
class NetworkType:
    declare: Callable[[Network, ExperimentConfig], Declared]
    train: Callable[..., Any]  # train(entry, seed run, networks it builds on by name, run folder) -> module
    # inputs(entry, seed run, run folder) -> what its fingerprint hashes, where not ``declared_inputs``
    inputs: Callable[..., dict] | None = None
    # product(entry, config, run folder) -> the DataConfig of the domain it makes (DERIVED), once trained
    product: Callable[..., DataConfig] | None = None


def _task_name(role: str, cfg: ExperimentConfig) -> str:
    return {"source": cfg.task_source, "target": cfg.task_target}[role]


def _label_of(task: str) -> tuple[str, ...]:
    from atdt.tasks import TASKS

    return (TASKS[task].label_key,) if task in TASKS else ()  # an unknown task is reported on its own


def task_network_settings(network: NetworkConfig) -> NetworkConfig:
    """The settings a task network is trained and keyed with. Without skip connections N = D(E(x))
    is one network whatever the split level (D's tail holds the stages after it), so it trains at
    the deepest split and ``cut_at`` re-cuts it where E should end; split level 4 is the paper's,
    so the fingerprints of networks trained at it are unchanged. With skips, D reads E's shallower
    stages and the split changes the network, so it stays; so with a timm encoder, whose D has no tail."""
    from atdt.networks.timm_encoder import is_timm

    return network if network.skips or is_timm(network.encoder) else replace(network, split_level=4)


def _without_aux(train: TrainConfig) -> TrainConfig:
    # the auxiliary losses (atdt.auxiliary) are defined for single-task networks only
    return replace(train, aux_edges=0.0, norm_align=0.0)


def _declare_task(net: Network, cfg: ExperimentConfig) -> Declared:
    task = _task_name(net.task, cfg)
    return Declared(task, task_network_settings(cfg.network), getattr(cfg, net.settings), net.settings, _label_of(task))


def _train_task(net: Network, run: SeedRun, builds_on: dict, run_dir: Path):
    from atdt.engine import train_task_network
    from atdt.networks.task_network import cut_at

    d = _declare_task(net, run.cfg)
    model = train_task_network(d.task, [run.train_set(x) for x in net.domains], network=d.network, train=d.train,
                               runtime=run.cfg.runtime, run_dir=run_dir, fabric=run.fabric, desc=net.desc)
    return cut_at(model, run.cfg.network)  # E ends at the configured split level


def _declare_multitask(net: Network, cfg: ExperimentConfig) -> Declared:
    heads = {_task_name(role, cfg): list(domains) for role, domains in net.heads}
    labels_on = {x: tuple(k for task, domains in heads.items() if x in domains for k in _label_of(task))
                 for x in net.domains}
    # the heads (which task learns from which domain) are part of the architecture it hashes
    return Declared("+".join(heads), {**to_dict(cfg.network), "heads": heads}, _without_aux(getattr(cfg, net.settings)),
                    net.settings, (), labels_on)


def _train_multitask(net: Network, run: SeedRun, builds_on: dict, run_dir: Path):
    from atdt.engine.train_variants import train_multitask_network

    d, cfg = _declare_multitask(net, run.cfg), run.cfg
    tasks = {task: tuple(net.domains.index(x) for x in domains) for task, domains in d.network["heads"].items()}
    return train_multitask_network(tasks, [run.train_set(x) for x in net.domains], network=cfg.network, train=d.train,
                                   seed=cfg.runtime.seed, run_dir=run_dir, fabric=run.fabric,
                                   progress=cfg.runtime.progress, channels_last=cfg.runtime.channels_last,
                                   sync_batchnorm=cfg.runtime.sync_batchnorm, desc=net.desc)


def _declare_separate_encoders(net: Network, cfg: ExperimentConfig) -> Declared:
    task = _task_name(net.task, cfg)
    return Declared(task, {**to_dict(cfg.network), "encoders": list(net.domains)},
                    _without_aux(getattr(cfg, net.settings)), net.settings, _label_of(task))


def _train_separate_encoders(net: Network, run: SeedRun, builds_on: dict, run_dir: Path):
    from atdt.engine.train_variants import train_separate_encoder_network

    d, cfg = _declare_separate_encoders(net, run.cfg), run.cfg
    return train_separate_encoder_network(d.task, [run.train_set(x) for x in net.domains], network=cfg.network,
                                          train=d.train, seed=cfg.runtime.seed, run_dir=run_dir, fabric=run.fabric,
                                          progress=cfg.runtime.progress, channels_last=cfg.runtime.channels_last,
                                          sync_batchnorm=cfg.runtime.sync_batchnorm, desc=net.desc)


def encoder_on(network, domain: str):
    """The encoder ``network`` applies to ``domain``'s images: its own one per domain where it has
    several (separate encoders), else its only one."""
    return network.encoder_for(domain) if hasattr(network, "encoder_for") else network.encoder


def _declare_transfer(net: Network, cfg: ExperimentConfig) -> Declared:
    t = getattr(cfg, net.settings)
    layers = {k: v for k, v in to_dict(t).items() if k != "train"}  # G's settings, cache_features included
    if cfg.network.split_level != 4:
        # G maps the features where E1 and E2 end; the paper's level (4) is left out, so that every G
        # trained before the level entered the fingerprint keeps its own
        layers["split_level"] = cfg.network.split_level
    return Declared("transfer", layers, t.train, f"{net.settings}.train", ())


def _train_transfer(net: Network, run: SeedRun, builds_on: dict, run_dir: Path):
    from atdt.method.steps import step3_train_transfer

    source, target = (builds_on[name] for name in net.builds_on)  # G maps the first's encoder to the second's
    (domain,) = net.domains
    return step3_train_transfer(encoder_on(source, domain), encoder_on(target, domain), run.train_set(domain),
                                transfer=getattr(run.cfg, net.settings), runtime=run.cfg.runtime, run_dir=run_dir,
                                fabric=run.fabric, desc=net.desc)


TYPES: dict[str, NetworkType] = {
    "task": NetworkType(_declare_task, _train_task),  # N = D(E(x)) for one task (atdt.engine.train_task_network)
    "transfer": NetworkType(_declare_transfer, _train_transfer),  # G between two frozen encoders (step 3)
    # CycleGAN between A and B, as `atdt translate` (atdt.method.translation); makes B like A
    "translate": NetworkType(translation.declare_translation, translation.train_translation,
                             inputs=translation.translation_inputs, product=translation.b_like_a),
    # one shared E and a decoder per head, each head's loss on the domains that carry its labels
    # (atdt.engine.train_variants.train_multitask_network)
    "multitask": NetworkType(_declare_multitask, _train_multitask),
    # one encoder per domain and a shared decoder (atdt.engine.train_variants.train_separate_encoder_network)
    "separate_encoders": NetworkType(_declare_separate_encoders, _train_separate_encoders),
}
