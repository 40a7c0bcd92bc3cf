"""Every value of a config checked before anything trains or any run folder is created.

``config.py`` makes sure each key exists and has the right type; this module checks that the
values make sense together: tasks known and different, seeds non-empty and unique, counts
positive, every split that training and evaluation will open exists, is not empty and carries
the labels it must. All problems are reported at once in one ConfigError, each naming its key.
Relative paths resolve against the working directory; errors show the resolved path.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from atdt.config import (CycleGANConfig, DataConfig, ExperimentConfig, GANTrainConfig, NetworkConfig, RuntimeConfig,
                         TaskTrainConfig, TrainConfig, TranslateConfig)
from atdt.data.ids import leaves_folder
from atdt.typed_config import ConfigError

SEED_LIMIT = 2**32  # numpy's seeds: 0 .. 2**32 - 1
MAX_WORKERS = 256


def _positive(problems: list, key: str, value, minimum: int = 1) -> None:
    if value is not None and not value >= minimum:  # `not >=`: nan fails too
        problems.append(f"{key}: must be >= {minimum}, got {value}")


def _workers(problems: list, key: str, workers: int) -> None:
    if workers > MAX_WORKERS:  # each is a process: a typo here would fork thousands
        problems.append(f"{key}: at most {MAX_WORKERS} data-loading processes, got {workers}")


def check_seed(problems: list, key: str, seed: int | None) -> None:
    if seed is not None and not 0 <= seed < SEED_LIMIT:
        problems.append(f"{key}: a seed must be in 0 .. {SEED_LIMIT - 1}, got {seed}")


def _rate(problems: list, key: str, lr: float) -> None:
    if not (math.isfinite(lr) and lr > 0):
        problems.append(f"{key}: must be a finite number > 0, got {lr}")


def output_problem(path, *, file: bool = False) -> str | None:
    """Why ``path``, a folder to write in (created if missing) or with ``file`` a file to write,
    cannot be written, or None: a file where the folder must be (or on the way to it), a folder
    where the file must be, or no write permission where it would be made (a read-only disk or
    someone else's folder). A disk that fills up shows only when writing."""
    path = Path(path)
    shown = path.resolve()
    if path.exists():
        if file and path.is_dir():
            return f"{shown} is a folder, not a file"
        if not file and not path.is_dir():
            return f"{shown} is an existing file, not a folder"
        if not os.access(path, os.W_OK):
            return f"{shown} is not writable (a read-only disk, or no permission)"
        return None
    ancestor = path.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        return f"{ancestor.resolve()} is a file, so {shown} cannot be made"
    if not os.access(ancestor, os.W_OK | os.X_OK):
        return f"cannot make {shown}: {ancestor.resolve()} is not writable (a read-only disk, or no permission)"
    return None


def check_train(problems: list, key: str, t: TrainConfig, domains: int = 1, world_size: int = 1) -> None:
    from atdt.engine.schedule import lr_factor

    for name in ("steps", "batch_size", "log_every", "ckpt_every"):
        _positive(problems, f"{key}.{name}", getattr(t, name))
    for name in ("num_workers", "aux_edges", "norm_align"):  # loss weights: 0 = off
        _positive(problems, f"{key}.{name}", getattr(t, name), 0)
    _workers(problems, f"{key}.num_workers", t.num_workers)
    if t.crop is not None and min(t.crop) < 1:
        problems.append(f"{key}.crop: both sizes must be >= 1, got {list(t.crop)}")
    if t.batch_size >= 1 and t.batch_size % (domains * world_size):
        problems.append(f"{key}.batch_size: {t.batch_size} must be a multiple of {domains * world_size} "
                        f"({domains} domain(s) in every batch x {world_size} process(es))")
    _rate(problems, f"{key}.optim.lr", t.optim.lr)
    if not 0 <= t.optim.beta1 < 1:
        problems.append(f"{key}.optim.beta1: must be in [0, 1), got {t.optim.beta1}")
    try:
        lr_factor(t.optim.schedule, max(t.steps, 1), t.optim.power)
    except ValueError as err:
        problems.append(f"{key}.optim.schedule: {err}")


def check_network(problems: list, key: str, n: NetworkConfig) -> None:
    from atdt.networks.encoder import ENCODERS, OUTPUT_STRIDES
    from atdt.networks.norms import NORMS
    from atdt.networks.pretrained import imagenet_version
    from atdt.networks.timm_encoder import PREFIX, is_timm

    timm = is_timm(n.encoder)
    if not timm and n.encoder not in ENCODERS:
        problems.append(f"{key}.encoder: unknown {n.encoder!r}; choose one of: {', '.join(ENCODERS)} or {PREFIX}<timm model>")
    if n.output_stride not in OUTPUT_STRIDES:
        problems.append(f"{key}.output_stride: must be one of {', '.join(map(str, OUTPUT_STRIDES))}, got {n.output_stride}")
    if n.norm not in NORMS:
        problems.append(f"{key}.norm: unknown {n.norm!r}; choose one of: {', '.join(NORMS)}")
    elif timm and n.norm != "batch":
        problems.append(f"{key}.norm: {n.norm} does not apply to {n.encoder}, which keeps its own normalisation layers "
                        "(the norm switch is the torchvision ResNets'); use norm=batch")
    elif n.norm != "batch" and n.pretrained is not None:
        problems.append(f"{key}.pretrained: the weights hold batch-norm layers, which norm={n.norm} replaces")
    if timm:
        _check_timm(problems, key, n)
    elif n.split_level not in (1, 2, 3, 4):
        problems.append(f"{key}.split_level: must be 1, 2, 3 or 4, got {n.split_level}")
    if not n.decoder_channels or min(n.decoder_channels) < 1:
        problems.append(f"{key}.decoder_channels: needs positive channel counts, got {list(n.decoder_channels)}")
    is_imagenet, version = imagenet_version(n.pretrained)
    if is_imagenet and not timm and n.encoder in ENCODERS:
        from atdt.networks.pretrained import torchvision_weights

        try:
            torchvision_weights(ENCODERS[n.encoder], version)
        except ValueError as err:
            problems.append(f"{key}.pretrained: {err}")
    elif n.pretrained is not None and not is_imagenet and not Path(n.pretrained).is_file():
        problems.append(f"{key}.pretrained: no weight file at {Path(n.pretrained).resolve()} "
                        "(or imagenet, imagenet:<version> for published weights)")


def _check_timm(problems: list, key: str, n: NetworkConfig) -> None:
    """A timm encoder: timm installed, the model known, building with the output stride, the split
    level within its stages, the pretrained tag one timm has (nothing is downloaded here)."""
    from atdt.networks.pretrained import imagenet_version, timm_pretrained
    from atdt.networks.timm_encoder import PREFIX, timm_stages

    name = n.encoder[len(PREFIX):]
    try:
        indices, _, reductions = timm_stages(name, n.output_stride if n.output_stride in (32, 16, 8) else 32)
    except ValueError as err:
        problems.append(f"{key}.encoder: {err}")
        return
    if not 1 <= n.split_level <= len(indices):
        problems.append(f"{key}.split_level: must be 1..{len(indices)} for {n.encoder} (its stages at reductions "
                        f"{', '.join(map(str, reductions))}), got {n.split_level}")
    if imagenet_version(n.pretrained)[0]:
        try:
            timm_pretrained(name, n.pretrained)
        except ValueError as err:
            problems.append(f"{key}.pretrained: {err}")


def check_runtime(problems: list, key: str, r: RuntimeConfig) -> None:
    _positive(problems, f"{key}.devices", r.devices)
    _positive(problems, f"{key}.num_nodes", r.num_nodes)
    if r.sync_batchnorm and r.accelerator == "cpu" and r.devices * r.num_nodes > 1:
        problems.append(f"{key}.sync_batchnorm: PyTorch's SyncBatchNorm runs on GPUs only; on CPU processes leave "
                        "it false (batch norm then keeps rank 0's statistics, docs/training.md)")


def _where(data: DataConfig) -> str:
    root = Path(data.root)
    return "" if root.is_absolute() else f" (resolved against the working directory: {root.resolve()})"


def check_domain(problems: list, key: str, data: DataConfig, needs: dict[str, tuple[str, ...]]) -> None:
    """Open every split in ``needs`` (split attribute -> label keys it must carry)."""
    from atdt.data import FORMATS, load_dataset

    if data.name not in FORMATS:
        problems.append(f"{key}.name: unknown dataset format {data.name!r}; choose one of: {', '.join(sorted(FORMATS))}")
        return
    _positive(problems, f"{key}.limit", data.limit)
    for split_key, labels in needs.items():
        split = getattr(data, split_key)
        train = split_key == "train_split"
        extra = {"limit": data.limit if (data.limit or 0) >= 1 else None, "depth_root": data.depth_root} if train else {}
        try:
            dataset = load_dataset(data.name, data.root, split, **extra, **data.options)
        except (FileNotFoundError, ValueError, TypeError) as err:
            problems.append(f"{key}.{split_key} ({split!r} of {data.root}{_where(data)}): {err}")
            continue
        if len(dataset) == 0:
            problems.append(f"{key}.{split_key}: split {split!r} of {data.root}{_where(data)} is empty")
        missing = [k for k in labels if k not in dataset.labels]
        if missing:
            problems.append(f"{key}.{split_key}: split {split!r} of {data.root} has no {', '.join(missing)} labels "
                            f"(it has: {', '.join(sorted(dataset.labels)) or 'none'})")


def _label(task: str) -> tuple[str, ...]:
    from atdt.tasks import TASKS

    return (TASKS[task].label_key,) if task in TASKS else ()


def _raise(problems: list, what: str) -> None:
    if problems:
        raise ConfigError(f"invalid {what}:\n  - " + "\n  - ".join(problems))


def _check_methods(problems: list, methods: tuple[str, ...]) -> list[str]:
    """Problems with ``methods``; returns the known ones."""
    from atdt.method.methods import METHODS

    choices = ", ".join(METHODS)
    unknown = [m for m in methods if m not in METHODS]
    if not methods:
        problems.append(f"methods: needs at least one method; choose from: {choices}")
    if unknown:
        problems.append(f"methods: unknown {', '.join(map(repr, unknown))}; choose from: {choices}")
    if len(set(methods)) != len(methods):
        problems.append(f"methods: must be unique, got {list(methods)}")
    return [m for m in methods if m in METHODS]


def validate_experiment(cfg: ExperimentConfig) -> None:
    """Everything `atdt run` will need, checked up front; raises ConfigError listing every problem.
    Only the networks the chosen methods need are checked, with the training splits they read."""
    from atdt.method.methods import networks_for
    from atdt.method.networks import DERIVED, NETWORKS, declare
    from atdt.tasks import TASKS

    problems: list[str] = []
    if not cfg.name.strip() or leaves_folder(cfg.name):  # the same rule as a sample id under its root
        problems.append(f"name: must be a relative folder name under out/, got {cfg.name!r}")
    for folder in (Path(cfg.out), Path(cfg.out) / cfg.name):
        if (problem := output_problem(folder)) is not None:
            problems.append(f"out: {problem}")
            break
    for key in ("task_source", "task_target"):
        if getattr(cfg, key) not in TASKS:
            problems.append(f"{key}: unknown task {getattr(cfg, key)!r}; choose one of: {', '.join(TASKS)}")
    if cfg.task_source == cfg.task_target:
        problems.append(f"task_source and task_target must differ (both are {cfg.task_source!r})")
    if not cfg.seeds:
        problems.append("seeds: needs at least one seed, e.g. seeds=0 or seeds=0,1,2")
    elif len(set(cfg.seeds)) != len(cfg.seeds):
        problems.append(f"seeds: must be unique, got {list(cfg.seeds)}")
    for seed in cfg.seeds:
        check_seed(problems, "seeds", seed)
    _positive(problems, "eval_limit", cfg.eval_limit)
    check_network(problems, "network", cfg.network)
    check_runtime(problems, "runtime", cfg.runtime)
    world = max(cfg.runtime.devices, 1) * max(cfg.runtime.num_nodes, 1)
    trains: dict[str, list[str]] = {}  # domain -> label keys its training split must carry
    translations = []  # networks of type translate: CycleGAN, which translates every split of B
    for network in networks_for(_check_methods(problems, cfg.methods)):
        declared = declare(network, cfg)
        if isinstance(declared.train, GANTrainConfig):
            translations.append(network)
            settings = NETWORKS[network].settings
            check_cyclegan(problems, f"{settings}.", declared.network, declared.train)
            check_seed(problems, f"{settings}.seed", getattr(cfg, settings).seed)
        else:
            check_train(problems, declared.key, declared.train, domains=len(NETWORKS[network].domains), world_size=world)
        for domain in NETWORKS[network].domains:  # a derived domain (B like A) carries its source's labels
            labels = trains.setdefault(DERIVED[domain].source if domain in DERIVED else domain, [])
            labels += [k for k in declared.labels_for(domain) if k not in labels]
    if translations:
        check_translation_runtime(problems, cfg.runtime)
    _positive(problems, "transfer.layers", cfg.transfer.layers, 5)
    if cfg.transfer.down not in (0, 1, 2):
        problems.append(f"transfer.down: G's stride-2 layers must be 0, 1 or 2, got {cfg.transfer.down}")
    _positive(problems, "transfer.width", cfg.transfer.width)
    t2 = _label(cfg.task_target)
    b_splits = {"val_split": (), "test_split": t2} if translations else {"test_split": t2}  # all of B is translated
    for domain, evaluation in (("a", {"val_split": (), "test_split": t2}), ("b", b_splits)):
        train = {"train_split": tuple(trains[domain])} if domain in trains else {}
        check_domain(problems, f"domain_{domain}", getattr(cfg, f"domain_{domain}"), {**train, **evaluation})
    if translations and not problems:
        _check_translation_crop(problems, cfg, translations)
    _raise(problems, f"experiment config {cfg.name!r}")


def _check_translation_crop(problems: list, cfg: ExperimentConfig, networks: list[str]) -> None:
    from atdt.method.networks import NETWORKS
    from atdt.method.translation import translate_config
    from atdt.translate.pipeline import open_training

    for network in networks:
        try:
            open_training(translate_config(NETWORKS[network], cfg, cfg.out))
        except ValueError as err:
            problems.append(f"{NETWORKS[network].settings}.{err}")


def validate_task_training(cfg: TaskTrainConfig) -> None:
    """Everything `atdt train-task` will need, checked up front; raises ConfigError."""
    from atdt.tasks import TASKS

    problems: list[str] = []
    if cfg.task not in TASKS:
        problems.append(f"task: unknown task {cfg.task!r}; choose one of: {', '.join(TASKS)}")
    if not cfg.domains:
        problems.append("domains: needs at least one domain")
    check_network(problems, "network", cfg.network)
    check_runtime(problems, "runtime", cfg.runtime)
    check_seed(problems, "runtime.seed", cfg.runtime.seed)
    world = max(cfg.runtime.devices, 1) * max(cfg.runtime.num_nodes, 1)
    check_train(problems, "train", cfg.train, domains=max(len(cfg.domains), 1), world_size=world)
    for i, d in enumerate(cfg.domains):
        check_domain(problems, f"domains[{i}]", d, {"train_split": _label(cfg.task), "val_split": ()})
    _raise(problems, "train-task config")


TRANSLATE_PRECISIONS = ("32-true", "bf16-mixed", "16-mixed")


def check_cyclegan(problems: list, prefix: str, n: CycleGANConfig, t: GANTrainConfig) -> None:
    """CycleGAN's network and training settings; keys are ``<prefix>network.*``, ``<prefix>train.*``."""
    for key in ("width", "disc_width", "disc_layers"):
        _positive(problems, f"{prefix}network.{key}", getattr(n, key))
    for key in ("blocks", "down"):
        _positive(problems, f"{prefix}network.{key}", getattr(n, key), 0)
    for key in ("steps", "batch_size", "log_every", "ckpt_every"):
        _positive(problems, f"{prefix}train.{key}", getattr(t, key))
    for key in ("num_workers", "pool_size", "cycle", "identity"):
        _positive(problems, f"{prefix}train.{key}", getattr(t, key), 0)
    _workers(problems, f"{prefix}train.num_workers", t.num_workers)
    if t.crop is not None and min(t.crop) < 1:
        problems.append(f"{prefix}train.crop: both sizes must be >= 1, got {list(t.crop)}")
    _rate(problems, f"{prefix}train.lr", t.lr)
    if not 0 <= t.beta1 < 1:
        problems.append(f"{prefix}train.beta1: must be in [0, 1), got {t.beta1}")
    if not 0 <= t.decay_from <= 1:
        problems.append(f"{prefix}train.decay_from: must be a fraction of the steps in [0, 1], got {t.decay_from}")


def check_translation_runtime(problems: list, r: RuntimeConfig) -> None:
    if r.devices * r.num_nodes != 1:
        problems.append(f"runtime.devices: CycleGAN (translation) trains on one device only, got {r.devices} x "
                        f"{r.num_nodes} node(s); set runtime.devices=1 runtime.num_nodes=1")
    if r.precision not in TRANSLATE_PRECISIONS:
        problems.append(f"runtime.precision: translation supports {', '.join(TRANSLATE_PRECISIONS)}, got {r.precision!r}")


def validate_translation(cfg: TranslateConfig) -> None:
    """Everything `atdt translate` will need, checked up front; raises ConfigError."""
    problems: list[str] = []
    r = cfg.runtime
    check_cyclegan(problems, "", cfg.network, cfg.train)
    check_runtime(problems, "runtime", r)
    check_translation_runtime(problems, r)
    check_seed(problems, "runtime.seed", r.seed)
    _positive(problems, "report_limit", cfg.report_limit)
    _positive(problems, "sheet_rows", cfg.sheet_rows, 0)
    if (problem := output_problem(cfg.out)) is not None:
        problems.append(f"out: {problem}")
    check_domain(problems, "domain_a", cfg.domain_a, {"train_split": ()})
    # every split of B is translated, so each must open
    check_domain(problems, "domain_b", cfg.domain_b, {"train_split": (), "val_split": (), "test_split": ()})
    _raise(problems, "translate config")
