"""Typed experiment configuration: frozen dataclasses, YAML files, ``key=value`` overrides.

Every config is a tree of frozen dataclasses. ``from_dict`` builds one from plain data and
fails loudly on a key the dataclass does not declare, naming the key and the valid choices.
``load_config`` reads a YAML file (which states only what differs from the defaults) and
applies command-line overrides such as ``n1.steps=300`` or ``domain_b.limit=200``.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


class ConfigError(ValueError):
    """A config file or override that does not fit the typed schema."""


# --------------------------------------------------------------------------- schema


@dataclass(frozen=True)
class DataConfig:
    """One domain: a dataset format, its root folder and which splits to use."""

    name: str = "world"  # format: world, cityscapes, kitti, synthia, carla, filelist
    root: str = "data/world/clean"
    train_split: str = "train"
    val_split: str = "val"
    test_split: str = "test"
    limit: int | None = None  # keep only the first N labelled training images
    depth_root: str | None = None  # proxy depth labels (atdt proxy-depth) replacing the dataset's own
    skip_bad: bool = False  # train without the samples that fail to load (atdt data check --skip-bad lists them)
    options: dict = field(default_factory=dict)  # format-specific keyword arguments of load_dataset


@dataclass(frozen=True)
class NetworkConfig:
    """A dense task network N = D(E(x)); the output channels come from the task."""

    encoder: str = "resnet18"  # resnet18 | resnet34 | resnet50 | resnet101
    output_stride: int = 32  # 32 plain ResNet; 16 = layer4 dilated (rate 2); 8 = rates 2 and 4 in layer3, layer4
    norm: str = "batch"  # batch | group | instance | none
    split_level: int = 4  # stage where E ends (1..4), 4 = deepest as in the paper
    skips: bool = False
    decoder_channels: tuple[int, ...] = (128, 64, 32)
    pretrained: str | None = None  # path to a torchvision ResNet weight file (.pth)


@dataclass(frozen=True)
class OptimConfig:
    lr: float = 1e-4
    beta1: float = 0.9
    weight_decay: float = 0.0
    schedule: str = "poly"  # poly | linear | onecycle | constant
    power: float = 0.9  # poly decay power


@dataclass(frozen=True)
class TrainConfig:
    """How one network is trained (N1, N2, the Oracle or G)."""

    steps: int = 1000
    batch_size: int = 8
    crop: tuple[int, int] | None = None  # random crop (H, W); None = full image
    flip: bool = True
    photometric: bool = True  # the authors' gamma / brightness / colour augmentation
    num_workers: int = 0
    log_every: int = 10
    ckpt_every: int = 200
    optim: OptimConfig = field(default_factory=OptimConfig)
    # beyond the paper (the authors' TPAMI 2023 follow-up); 0 = off
    aux_edges: float = 0.0  # weight of an auxiliary head predicting image edges from E's deepest features
    norm_align: float = 0.0  # weight of the A/B feature-norm discrepancy loss (multi-domain training, N1)


@dataclass(frozen=True)
class RuntimeConfig:
    """Where and how things run; handed to Lightning Fabric."""

    accelerator: str = "auto"
    devices: int = 1
    num_nodes: int = 1
    strategy: str = "auto"
    precision: str = "32-true"  # "bf16-mixed": autocast, about 1.5-2x faster on CPUs with bf16 units
    channels_last: bool = False  # NHWC memory format for models and images (faster convolutions on CPU)
    seed: int = 0
    progress: bool = True


@dataclass(frozen=True)
class TaskTrainConfig:
    """``atdt train-task``: one network for one task on one or more domains."""

    task: str = "semantic"
    domains: tuple[DataConfig, ...] = (DataConfig(),)
    network: NetworkConfig = field(default_factory=NetworkConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    runtime: RuntimeConfig = field(default_factory=RuntimeConfig)
    out: str = "runs/task"


@dataclass(frozen=True)
class TransferConfig:
    """The transfer network G and how it is trained (paper Sec. 3.5, supp. Sec. 2)."""

    layers: int = 6
    down: int = 2  # stride-2 layers (the paper: 2); fewer keep more of a small feature map
    width: int | None = None  # hidden channels; None = the input channel count
    norm: str = "none"
    activation: str = "elu"
    cache_features: bool = True  # run the frozen encoders once, train G on cached features
    train: TrainConfig = field(
        default_factory=lambda: TrainConfig(steps=1000, flip=False, photometric=False, optim=OptimConfig(lr=1e-5))
    )


@dataclass(frozen=True)
class ExperimentConfig:
    """One AT/DT experiment: T1 -> T2 from domain A to domain B, evaluating ``methods``; each
    block n1, n2, oracle, transfer holds the settings of one network (atdt.method.networks)."""

    name: str = "experiment"
    task_source: str = "depth"  # T1, labelled on A and B
    task_target: str = "semantic"  # T2, labelled on A only (B's labels are used by the Oracle and the metrics)
    domain_a: DataConfig = field(default_factory=lambda: DataConfig(root="data/world/clean"))
    domain_b: DataConfig = field(default_factory=lambda: DataConfig(root="data/world/camera"))
    network: NetworkConfig = field(default_factory=NetworkConfig)
    n1: TrainConfig = field(default_factory=TrainConfig)
    n2: TrainConfig = field(default_factory=TrainConfig)
    oracle: TrainConfig = field(default_factory=TrainConfig)
    transfer: TransferConfig = field(default_factory=TransferConfig)
    # CycleGAN between A and B, trained only when a method tests on B like A (cyclegan, atdt_cyclegan)
    translate: TranslationConfig = field(default_factory=lambda: TranslationConfig())
    runtime: RuntimeConfig = field(default_factory=RuntimeConfig)
    seeds: tuple[int, ...] = (0,)
    methods: tuple[str, ...] = ("baseline", "atdt", "oracle")  # evaluated, in this order (atdt.method.methods)
    eval_limit: int | None = None  # evaluate on the first N test images only (None = all)
    out: str = "runs"


@dataclass(frozen=True)
class CycleGANConfig:
    """CycleGAN's generators and PatchGAN discriminators (Zhu et al. 2017)."""

    width: int = 64  # generator channels after its first layer
    blocks: int = 9  # residual blocks: 9 for crops of 256 and more, 6 for 128 and less
    down: int = 2  # stride-2 layers of the generator
    disc_width: int = 64
    disc_layers: int = 3  # stride-2 layers of the discriminator: 3 = 70x70 patches, 2 = 34x34


@dataclass(frozen=True)
class GANTrainConfig:
    """How CycleGAN is trained; the defaults are Zhu et al.'s (batch 1, Adam 2e-4, beta1 0.5)."""

    steps: int = 200_000
    batch_size: int = 1
    crop: tuple[int, int] | None = (256, 256)  # random crop (H, W) of A and B images; None = whole images
    flip: bool = True
    lr: float = 2e-4
    beta1: float = 0.5
    decay_from: float = 0.5  # constant lr, then linear decay to 0 from this fraction of the steps
    cycle: float = 10.0  # weight of each cycle-consistency L1 loss
    identity: float = 0.5  # identity L1 loss weight, as a fraction of ``cycle``; 0 = off
    pool_size: int = 50  # earlier fakes shown to the discriminators; 0 = only the newest
    num_workers: int = 0
    log_every: int = 100
    ckpt_every: int = 1000


@dataclass(frozen=True)
class TranslationConfig:
    """The CycleGAN of an experiment (network ``translation``, which makes the "B like A" domain of the
    methods cyclegan and atdt_cyclegan): TranslateConfig's network and train blocks, by default the
    settings of experiments/translate_demo.yaml. With the same data, settings, seed and precision it
    is the translation `atdt translate` trains (one fingerprint), so either reuses the other's."""

    network: CycleGANConfig = field(default_factory=lambda: CycleGANConfig(width=16, blocks=6, disc_width=32, disc_layers=2))
    train: GANTrainConfig = field(
        default_factory=lambda: GANTrainConfig(steps=1500, crop=(64, 64), log_every=25, ckpt_every=250)
    )
    seed: int | None = None  # None: each seed of the experiment trains its own; a number: one translation for all


@dataclass(frozen=True)
class TranslateConfig:
    """``atdt translate``: CycleGAN between A and B, then B's splits translated to look like A."""

    domain_a: DataConfig = field(default_factory=lambda: DataConfig(root="data/world/clean"))
    domain_b: DataConfig = field(default_factory=lambda: DataConfig(root="data/world/camera"))
    network: CycleGANConfig = field(default_factory=CycleGANConfig)
    train: GANTrainConfig = field(default_factory=GANTrainConfig)
    runtime: RuntimeConfig = field(default_factory=RuntimeConfig)
    report_limit: int = 200  # images per domain in the distance report and the contact sheet's search
    sheet_rows: int = 6  # contact sheet: B | B like A | nearest A, for the first rows of B's test split
    out: str = "runs/translate"  # run folder; the "B like A" dataset goes to <out>/b_like_a


# --------------------------------------------------------------------------- building


def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _strip_optional(tp: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return tp, False


def _convert(tp: Any, value: Any, where: str) -> Any:
    tp, optional = _strip_optional(tp)
    if value is None:
        if optional:
            return None
        raise ConfigError(f"{where}: None is not allowed")
    if dataclasses.is_dataclass(tp):
        if isinstance(value, tp):
            return value
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a mapping for {tp.__name__}, got {value!r}")
        return from_dict(tp, value, where)
    origin = typing.get_origin(tp)
    if origin is tuple:
        args = typing.get_args(tp)
        if isinstance(value, str):
            value = [v for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple)):
            value = [value]
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_convert(args[0], v, f"{where}[{i}]") for i, v in enumerate(value))
        if len(args) != len(value):
            raise ConfigError(f"{where}: expected {len(args)} values, got {list(value)!r}")
        return tuple(_convert(a, v, f"{where}[{i}]") for i, (a, v) in enumerate(zip(args, value)))
    if tp is dict or origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a mapping, got {value!r}")
        return dict(value)
    if tp is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no"):
            return value.lower() in ("true", "1", "yes")
        raise ConfigError(f"{where}: expected true/false, got {value!r}")
    if tp in (int, float):
        if isinstance(value, (bool, dict, list, tuple)):
            raise ConfigError(f"{where}: expected {tp.__name__}, got {value!r}")
        try:
            converted = tp(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: expected {tp.__name__}, got {value!r}") from None
        if tp is int and float(value) != converted:
            raise ConfigError(f"{where}: expected an integer, got {value!r}")
        return converted
    if tp is str:
        if isinstance(value, (dict, list, tuple)):  # `name.foo=1` would otherwise name a folder "{'foo': 1}"
            raise ConfigError(f"{where}: expected a string, got {value!r}")
        return str(value)
    return value


def from_dict(cls: type[T], data: dict, where: str = "") -> T:
    """Build dataclass ``cls`` from ``data``; unknown keys raise ConfigError naming them."""
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        prefix = f"{where}." if where else ""
        raise ConfigError(
            f"unknown config key(s) {', '.join(prefix + k for k in unknown)} for {cls.__name__}; "
            f"valid keys: {', '.join(sorted(names))}"
        )
    hints = _hints(cls)
    kwargs = {k: _convert(hints[k], v, f"{where}.{k}" if where else k) for k, v in data.items()}
    return cls(**kwargs)


def to_dict(config: Any) -> Any:
    """Plain, YAML-safe data (tuples become lists) for any config dataclass."""
    if dataclasses.is_dataclass(config):
        return {f.name: to_dict(getattr(config, f.name)) for f in dataclasses.fields(config)}
    if isinstance(config, (list, tuple)):
        return [to_dict(v) for v in config]
    if isinstance(config, dict):
        return {k: to_dict(v) for k, v in config.items()}
    return config


def parse_override(text: str) -> tuple[list[str], Any]:
    """``"n1.optim.lr=1e-3"`` -> (["n1", "optim", "lr"], 0.001); values are parsed as YAML."""
    import yaml

    if "=" not in text:
        raise ConfigError(f"override {text!r} is not of the form key=value")
    key, raw = text.split("=", 1)
    if not key:
        raise ConfigError(f"override {text!r} has an empty key")
    return key.split("."), yaml.safe_load(raw) if raw else ""


def apply_overrides(data: dict, overrides: list[str]) -> dict:
    """Set nested keys of a plain dict from ``key=value`` strings (validation happens in from_dict)."""
    data = dict(data)
    for text in overrides:
        path, value = parse_override(text)
        node = data
        for part in path[:-1]:
            child = node.get(part)
            node[part] = dict(child) if isinstance(child, dict) else {}
            node = node[part]
        node[path[-1]] = value
    return data


def _merge(base: dict, update: dict) -> dict:
    out = dict(base)
    for k, v in update.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def load_config(cls: type[T], path: str | Path | None = None, overrides: list[str] = ()) -> T:
    """Defaults of ``cls`` <- YAML file (may name a ``base:`` file beside it) <- overrides."""
    import yaml

    data: dict = {}
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise ConfigError(f"config file {path} does not exist")
        data = yaml.safe_load(path.read_text()) or {}
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: the top level must be a mapping")
        base = data.pop("base", None)
        if base is not None:
            base_data = to_dict(load_config(cls, path.parent / base))
            data = _merge(base_data, data)
    data = apply_overrides(data, list(overrides))
    return from_dict(cls, data)


def save_config(config: Any, path: str | Path) -> None:
    import yaml

    Path(path).write_text(yaml.safe_dump(to_dict(config), sort_keys=False))
