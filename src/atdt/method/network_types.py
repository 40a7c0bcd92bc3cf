"""How each kind of network declares its settings, checks them and trains: ``TYPES``, one entry per kind.

A NETWORKS entry (``atdt.method.network_table``) names its type and the block of the experiment
config that holds its settings. ``declare`` reads that block (the one place it is looked up by its
name) and the type turns entry and block into plain values (``Declared``: the task, the network
and training settings, the labels its domains must carry), which its fingerprint hashes, its
``check`` validates before anything trains (naming the block's keys) and its ``train`` trains from
(or resumes, or loads when finished). A new kind of network is one entry in TYPES.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NamedTuple

from atdt.config import DataConfig, ExperimentConfig, NetworkConfig, TrainConfig, TranslationRunConfig
from atdt.engine.reuse import MARKER, network_inputs
from atdt.engine.train_variants import train_multitask_network, train_separate_encoder_network
from atdt.method.network_table import NETWORKS, Network
from atdt.method.steps import step1_train_n1, step2_train_n2, step3_multiscale, step3_train_transfer
from atdt.networks.decoder import stages_read
from atdt.networks.task_network import cut_at
from atdt.networks.timm_encoder import is_timm
from atdt.tasks import TASKS, label_keys
from atdt.translation.pipeline import open_training, translate, translation_inputs
from atdt.typed_config import to_dict
from atdt.validate import check_cyclegan, check_seed, check_train, check_translation_runtime, positive


class Declared(NamedTuple):
    """A network's settings as plain values: what its fingerprint hashes and validation checks."""

    task: str  # the task name the fingerprint records ("transfer" for G, "cyclegan" for the translation)
    network: Any  # a NetworkConfig or CycleGANConfig, or G's settings as a dict
    train: Any  # its TrainConfig (CycleGAN: GANTrainConfig)
    settings: Any  # the block of the experiment config it was declared from: cfg.n1, cfg.transfer, ...
    labels: tuple[str, ...]  # label keys the training split of each of its domains must carry
    labels_on: dict[str, tuple[str, ...]] | None = None  # more label keys, for some domains only

    def labels_for(self, domain: str) -> tuple[str, ...]:
        """The label keys the training split of ``domain`` must carry."""
        more = (self.labels_on or {}).get(domain, ())
        return self.labels + tuple(k for k in more if k not in self.labels)


@dataclass(frozen=True)
class NetworkType:
    declare: Callable[[Network, ExperimentConfig, Any], Declared]  # (entry, config, its settings block)
    check: Callable[..., None]  # check(entry, declared, config, problems): its settings' problems
    # train(entry, declared, seed run, networks it builds on by name, run folder) -> module; the seed
    # run is an atdt.method.seed_run.SeedRun
    train: Callable[..., Any]
    # inputs(entry, declared, seed run, run folder) -> what its fingerprint hashes, where not ``declared_inputs``
    inputs: Callable[..., dict] | None = None
    # product(entry, declared, config, run folder) -> the DataConfig of the domain it makes (DERIVED), once trained
    product: Callable[..., DataConfig] | None = None
    # check_data(entry, declared, config, problems): what it reads of its data, once every split opens
    check_data: Callable[..., None] | None = None


def declare(name: str, cfg: ExperimentConfig) -> Declared:
    net = NETWORKS[name]
    return TYPES[net.type].declare(net, cfg, getattr(cfg, net.settings))


def declared_inputs(name: str, cfg: ExperimentConfig, data_keys: dict[str, dict], fingerprints: dict[str, str]) -> dict:
    """What network ``name``'s fingerprint hashes: its declared settings, the data keys of its
    domains (``atdt.engine.reuse.data_key``) and the fingerprints of the networks it builds on."""
    net, d = NETWORKS[name], declare(name, cfg)
    return network_inputs(d.task, [data_keys[x] for x in net.domains], d.network, d.train, cfg.runtime,
                          builds_on=tuple(fingerprints[b] for b in net.builds_on))


def _task_name(role: str, cfg: ExperimentConfig) -> str:
    return {"source": cfg.task_source, "target": cfg.task_target}[role]


def _check_train(net: Network, d: Declared, cfg: ExperimentConfig, problems: list) -> None:
    check_train(problems, net.settings, d.train, domains=len(net.domains), world_size=cfg.runtime.world_size,
                task=d.task)


# ----------------------------------------------------------------------------- task networks (steps 1 and 2)


def task_network_settings(network: NetworkConfig) -> NetworkConfig:
    """The settings a task network is trained and keyed with. Without skip connections N = D(E(x))
    is one network whatever the split level (D's tail holds the stages after it), so it trains at
    the deepest split, the paper's level 4, and ``cut_at`` re-cuts it where E should end. With skips,
    D reads E's shallower stages and the split changes the network, so it stays; so with a timm
    encoder, whose D has no tail."""
    return network if network.skips or is_timm(network.encoder) else replace(network, split_level=4)


def _without_aux(train: TrainConfig) -> TrainConfig:
    # the auxiliary losses (atdt.auxiliary) and class balancing are defined for single-task networks only
    return replace(train, aux_edges=0.0, norm_align=0.0, class_balance=0.0)


def task_train_settings(task: str, train: TrainConfig) -> TrainConfig:
    """The settings a task network of ``task`` is trained and keyed with. An experiment's blocks
    name roles (n2 learns T2 in either direction), so ``class_balance`` applies where the role's
    task has classes and is left out (of training and fingerprint) elsewhere: one preset serves
    Dep. -> Sem. and Sem. -> Dep. (An unknown task keeps them: validation names it.)"""
    spec = TASKS.get(task)
    return train if spec is None or spec.balanced_loss is not None else replace(train, class_balance=0.0)


def _declare_task(net: Network, cfg: ExperimentConfig, train: TrainConfig) -> Declared:
    task = _task_name(net.task, cfg)
    return Declared(task, task_network_settings(cfg.network), task_train_settings(task, train), train, label_keys(task))


STEPS = {"source": step1_train_n1, "target": step2_train_n2}  # a task network of T1 is an N1, of T2 an N2


def _train_task(net: Network, d: Declared, run, builds_on: dict, run_dir: Path):
    model = STEPS[net.task](d.task, [run.train_set(x) for x in net.domains], network=d.network, train=d.train,
                            runtime=run.cfg.runtime, run_dir=run_dir, fabric=run.fabric, desc=net.desc)
    return cut_at(model, run.cfg.network)  # E ends at the configured split level


def _declare_multitask(net: Network, cfg: ExperimentConfig, train: TrainConfig) -> Declared:
    heads = {_task_name(role, cfg): list(domains) for role, domains in net.heads}
    labels_on = {x: tuple(k for task, domains in heads.items() if x in domains for k in label_keys(task))
                 for x in net.domains}
    # the heads (which task learns from which domain) are part of the architecture it hashes
    return Declared("+".join(heads), {**to_dict(cfg.network), "heads": heads}, _without_aux(train), train, (), labels_on)


def _train_multitask(net: Network, d: Declared, run, builds_on: dict, run_dir: Path):
    cfg = run.cfg
    tasks = {task: tuple(net.domains.index(x) for x in domains) for task, domains in d.network["heads"].items()}
    return train_multitask_network(tasks, [run.train_set(x) for x in net.domains], network=cfg.network, train=d.train,
                                   seed=cfg.runtime.seed, run_dir=run_dir, fabric=run.fabric,
                                   progress=cfg.runtime.progress, channels_last=cfg.runtime.channels_last,
                                   sync_batchnorm=cfg.runtime.sync_batchnorm, desc=net.desc)


def _declare_separate_encoders(net: Network, cfg: ExperimentConfig, train: TrainConfig) -> Declared:
    task = _task_name(net.task, cfg)
    return Declared(task, {**to_dict(cfg.network), "encoders": list(net.domains)}, _without_aux(train), train,
                    label_keys(task))


def _train_separate_encoders(net: Network, d: Declared, run, builds_on: dict, run_dir: Path):
    cfg = run.cfg
    return train_separate_encoder_network(d.task, [run.train_set(x) for x in net.domains], network=cfg.network,
                                          train=d.train, seed=cfg.runtime.seed, run_dir=run_dir, fabric=run.fabric,
                                          progress=cfg.runtime.progress, channels_last=cfg.runtime.channels_last,
                                          sync_batchnorm=cfg.runtime.sync_batchnorm, desc=net.desc)


# ----------------------------------------------------------------------------- transfer networks G (step 3)


def encoder_on(network, domain: str):
    """The encoder ``network`` applies to ``domain``'s images: its own one per domain where it has
    several (separate encoders), else its only one."""
    return network.encoder_for(domain) if hasattr(network, "encoder_for") else network.encoder


def _declare_transfer(net: Network, cfg: ExperimentConfig, transfer) -> Declared:
    # G's settings, cache_features included (multiscale_down is the shallower G_k's: _declare_stages)
    layers = {k: v for k, v in to_dict(transfer).items() if k not in ("train", "multiscale_down")}
    layers["split_level"] = cfg.network.split_level  # G maps the features where E1 and E2 end
    return Declared("transfer", layers, transfer.train, transfer, ())


def _check_transfer(net: Network, d: Declared, cfg: ExperimentConfig, problems: list) -> None:
    key, t = net.settings, d.settings
    check_train(problems, f"{key}.train", d.train, domains=len(net.domains), world_size=cfg.runtime.world_size)
    positive(problems, f"{key}.layers", t.layers, 5)
    if t.down not in (0, 1, 2):
        problems.append(f"{key}.down: G's stride-2 layers must be 0, 1 or 2, got {t.down}")
    positive(problems, f"{key}.width", t.width)


def _train_transfer(net: Network, d: Declared, run, builds_on: dict, run_dir: Path):
    source, target = (builds_on[name] for name in net.builds_on)  # G maps the first's encoder to the second's
    (domain,) = net.domains
    return step3_train_transfer(encoder_on(source, domain), encoder_on(target, domain), run.train_set(domain),
                                transfer=d.settings, runtime=run.cfg.runtime, run_dir=run_dir, fabric=run.fabric,
                                desc=net.desc)


def shallow_stages(network: NetworkConfig) -> tuple[int, ...]:
    """The stages of E above the deepest that D reads through its skips (none without skips)."""
    return stages_read(network.split_level, len(network.decoder_channels), network.skips)[:-1]


def _declare_stages(net: Network, cfg: ExperimentConfig, transfer) -> Declared:
    layers = {k: v for k, v in to_dict(transfer).items() if k not in ("train", "down", "multiscale_down")}
    stages = {k: transfer.multiscale_down[k - 1] for k in shallow_stages(cfg.network)
              if k <= len(transfer.multiscale_down)}
    return Declared("transfer_stages", {**layers, "split_level": cfg.network.split_level, "stages": stages},
                    transfer.train, transfer, ())


def _check_stages(net: Network, d: Declared, cfg: ExperimentConfig, problems: list) -> None:
    """What the G_k add to G: the skips they map, ``multiscale_down``. The rest of the transfer
    block is G's (``_check_transfer``), which every method with the G_k needs too."""
    key, shallow = net.settings, shallow_stages(cfg.network)
    if not shallow:
        problems.append("network.skips: multi-scale transfer (atdt_multiscale) needs D2 to read E's shallower stages "
                        "(network.skips=true, network.split_level >= 2); without them it is AT/DT")
    if len(d.settings.multiscale_down) < max(shallow, default=0):
        problems.append(f"{key}.multiscale_down: one value per shallower stage D2 reads ({', '.join(map(str, shallow))}), "
                        f"got {list(d.settings.multiscale_down)}")
    bad = [v for v in d.settings.multiscale_down if v not in (0, 1, 2)]
    if bad:
        problems.append(f"{key}.multiscale_down: G's stride-2 layers must be 0, 1 or 2, got {bad}")


def _train_stages(net: Network, d: Declared, run, builds_on: dict, run_dir: Path):
    source, target = (builds_on[name] for name in net.builds_on)
    (domain,) = net.domains
    return step3_multiscale(encoder_on(source, domain), encoder_on(target, domain), run.train_set(domain),
                            stages=d.network["stages"], transfer=d.settings, runtime=run.cfg.runtime, run_dir=run_dir,
                            fabric=run.fabric, desc=net.desc)


# ----------------------------------------------------------------------------- the translation (Sec. 5.3)
# CycleGAN between A and B (supp. Sec. 1.4) and what it makes, "B like A" (the paper's BlikeA): B's
# images translated to look like A with B's labels, cameras and proxy depth, read as the domain
# b_like_a. It is `atdt translate` (atdt.translation.pipeline) run into the network's folder, with
# the same fingerprint, so a translation either trained under the experiment's out/ folder is
# adopted by the other. Its dataset is written once per fingerprint, into <folder>/b_like_a.


def translation_run_config(net: Network, d: Declared, cfg: ExperimentConfig, run_dir) -> TranslationRunConfig:
    """The `atdt translate` config of network ``net`` (domains (A, B)) in ``run_dir``; the seed is
    the block's ``seed``, or the experiment's when that is None."""
    a, b = (cfg.domains[x] for x in net.domains)
    seed = cfg.runtime.seed if d.settings.seed is None else d.settings.seed
    return TranslationRunConfig(domain_a=a, domain_b=b, network=d.network, train=d.train,
                           runtime=replace(cfg.runtime, seed=seed), out=str(run_dir))


def _declare_translation(net: Network, cfg: ExperimentConfig, t) -> Declared:
    return Declared("cyclegan", t.network, t.train, t, ())


def _check_translation(net: Network, d: Declared, cfg: ExperimentConfig, problems: list) -> None:
    check_cyclegan(problems, f"{net.settings}.", d.network, d.train)
    check_seed(problems, f"{net.settings}.seed", d.settings.seed)
    check_translation_runtime(problems, cfg.runtime)


def _check_translation_crop(net: Network, d: Declared, cfg: ExperimentConfig, problems: list) -> None:
    try:
        open_training(translation_run_config(net, d, cfg, cfg.out))
    except ValueError as err:
        problems.append(f"{net.settings}.{err}")


def _translation_inputs(net: Network, d: Declared, run, run_dir) -> dict:
    """The fingerprint's inputs: those of `atdt translate` with the same config."""
    tcfg = translation_run_config(net, d, run.cfg, run_dir)
    return translation_inputs(tcfg, *open_training(tcfg))


def _train_translation(net: Network, d: Declared, run, builds_on: dict, run_dir: Path):
    """Train (or load) CycleGAN, write B like A and its distance report; returns the networks."""
    tcfg = translation_run_config(net, d, run.cfg, run_dir)
    fingerprint = (Path(run_dir) / MARKER).read_text().strip()  # prepare_run wrote it; world.json records it
    nets, _ = translate(tcfg, *open_training(tcfg), fingerprint, run.fabric, run.print_fn)
    return nets


def _b_like_a(net: Network, d: Declared, cfg: ExperimentConfig, run_dir) -> DataConfig:
    """The domain a trained translation made: B's split names, limit and (copied) proxy depth."""
    b = cfg.domains[net.domains[1]]
    root = Path(run_dir) / "b_like_a"
    return DataConfig(name="world", root=str(root), train_split=b.train_split, val_split=b.val_split,
                      test_split=b.test_split, limit=b.limit, depth_root=f"{root}-proxy" if b.depth_root else None)


TYPES: dict[str, NetworkType] = {
    # N = D(E(x)) for one task: steps 1 and 2, and the Oracle (atdt.method.steps)
    "task": NetworkType(_declare_task, _check_train, _train_task),
    # G between two frozen encoders (step 3)
    "transfer": NetworkType(_declare_transfer, _check_transfer, _train_transfer),
    # one G_k per shallower stage D2 reads (multi-scale AT/DT, beyond the paper)
    "transfer_stages": NetworkType(_declare_stages, _check_stages, _train_stages),
    # CycleGAN between A and B, as `atdt translate`; makes B like A
    "translation": NetworkType(_declare_translation, _check_translation, _train_translation,
                               inputs=_translation_inputs, product=_b_like_a, check_data=_check_translation_crop),
    # one shared E and a decoder per head, each head's loss on the domains that carry its labels
    # (atdt.engine.train_variants.train_multitask_network)
    "multitask": NetworkType(_declare_multitask, _check_train, _train_multitask),
    # one encoder per domain and a shared decoder (atdt.engine.train_variants.train_separate_encoder_network)
    "separate_encoders": NetworkType(_declare_separate_encoders, _check_train, _train_separate_encoders),
}
