"""Every value of a config checked before anything trains or any run folder is created.

``config.py`` makes sure each key exists and has the right type; the checks here make sure the
values make sense together: counts positive, learning rates finite, the network buildable, every
split that training and evaluation will open exists, is not empty and carries the labels it must.
Each ``check_*`` adds its problems to a list, each naming its key, and ``raise_problems`` reports
them all at once in one ConfigError. ``validate_task_training`` and ``validate_translation`` check
`atdt train-task`'s and `atdt translate`'s configs; an experiment's is checked by
``atdt.method.validation.validate_experiment``, each of its networks by its own type.
Relative paths resolve against the working directory; errors show the resolved path.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from atdt.config import (CycleGANConfig, DataConfig, GANTrainConfig, NetworkConfig, RuntimeConfig, TaskTrainConfig,
                         TrainConfig, TranslationRunConfig)
from atdt.data import FORMATS, open_split
from atdt.engine.fabric import on_cpu
from atdt.engine.schedule import lr_factor
from atdt.networks.encoder import ENCODERS, OUTPUT_STRIDES
from atdt.networks.norms import NORMS
from atdt.networks.pretrained import imagenet_version, timm_pretrained, torchvision_weights
from atdt.networks.timm_encoder import PREFIX, is_timm, timm_stages
from atdt.tasks import TASKS, label_keys
from atdt.typed_config import ConfigError, finite_positive

SEED_LIMIT = 2**32  # numpy's seeds: 0 .. 2**32 - 1
MAX_WORKERS = 256


def positive(problems: list, key: str, value, minimum: int = 1) -> None:
    if value is not None and not value >= minimum:  # `not >=`: nan fails too
        problems.append(f"{key}: must be >= {minimum}, got {value}")


def _workers(problems: list, key: str, workers: int) -> None:
    if workers > MAX_WORKERS:  # each is a process: a typo here would fork thousands
        problems.append(f"{key}: at most {MAX_WORKERS} data-loading processes, got {workers}")


def check_seed(problems: list, key: str, seed: int | None) -> None:
    if seed is not None and not 0 <= seed < SEED_LIMIT:
        problems.append(f"{key}: a seed must be in 0 .. {SEED_LIMIT - 1}, got {seed}")


def _rate(problems: list, key: str, lr: float) -> None:
    if not finite_positive(lr):
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


def _check_loop(problems: list, key: str, t: TrainConfig | GANTrainConfig, weights: tuple[str, ...]) -> None:
    """What every training loop reads: counts >= 1, ``weights`` (loss weights, 0 = off) and the
    data-loading processes >= 0, the crop."""
    for name in ("steps", "batch_size", "log_every", "ckpt_every"):
        positive(problems, f"{key}.{name}", getattr(t, name))
    for name in ("num_workers", *weights):
        positive(problems, f"{key}.{name}", getattr(t, name), 0)
    _workers(problems, f"{key}.num_workers", t.num_workers)
    if t.crop is not None and min(t.crop) < 1:
        problems.append(f"{key}.crop: both sizes must be >= 1, got {list(t.crop)}")


def _check_adam(problems: list, key: str, lr: float, beta1: float) -> None:
    """Adam's learning rate (``<key>lr``) and beta1 (``<key>beta1``)."""
    _rate(problems, f"{key}lr", lr)
    if not 0 <= beta1 < 1:
        problems.append(f"{key}beta1: must be in [0, 1), got {beta1}")


def check_train(problems: list, key: str, t: TrainConfig, domains: int = 1, world_size: int = 1,
                task: str | None = None) -> None:
    """A task network's or G's training settings (``key``: where they are, e.g. ``n1``, ``transfer.train``):
    the batch split into equal shares of ``domains`` domains on each of ``world_size`` processes;
    ``task``: the task a task network learns (None for G), which ``class_balance`` needs classes of."""
    _check_loop(problems, key, t, ("aux_edges", "norm_align", "class_balance"))
    if t.class_balance > 0:
        balanced = [name for name, spec in TASKS.items() if spec.balanced_loss is not None]
        if task not in TASKS or TASKS[task].balanced_loss is None:
            problems.append(f"{key}.class_balance: {task or 'G'} has no classes to balance "
                            f"(it applies to a task network of: {', '.join(balanced)}); use 0")
    if t.batch_size >= 1 and t.batch_size % (domains * world_size):
        problems.append(f"{key}.batch_size: {t.batch_size} must be a multiple of {domains * world_size} "
                        f"({domains} domain(s) in every batch x {world_size} process(es))")
    _check_adam(problems, f"{key}.optim.", t.optim.lr, t.optim.beta1)
    try:
        lr_factor(t.optim.schedule, max(t.steps, 1), t.optim.power)
    except ValueError as err:
        problems.append(f"{key}.optim.schedule: {err}")


def check_network(problems: list, key: str, n: NetworkConfig) -> None:
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


PRECISIONS = ("auto", "32-true", "bf16-mixed", "16-mixed", "bf16-true", "16-true", "64-true")


def check_runtime(problems: list, key: str, r: RuntimeConfig) -> None:
    positive(problems, f"{key}.devices", r.devices)
    positive(problems, f"{key}.num_nodes", r.num_nodes)
    if r.precision not in PRECISIONS:
        problems.append(f"{key}.precision: unknown {r.precision!r}; choose one of: {', '.join(PRECISIONS)}")
    if r.sync_batchnorm and on_cpu(r.accelerator) and r.world_size > 1:  # auto: the CPU where torch finds no GPU
        problems.append(f"{key}.sync_batchnorm: PyTorch's SyncBatchNorm runs on GPUs only; on CPU processes leave "
                        "it false (batch norm then keeps rank 0's statistics, docs/training.md)")


def _where(data: DataConfig) -> str:
    root = Path(data.root)
    return "" if root.is_absolute() else f" (resolved against the working directory: {root.resolve()})"


def check_domain(problems: list, key: str, data: DataConfig, needs: dict[str, tuple[str, ...]]) -> None:
    """Open every split in ``needs`` (split attribute -> label keys it must carry) as training and
    evaluation will (``atdt.data.open_split``)."""
    if data.name not in FORMATS:
        problems.append(f"{key}.name: unknown dataset format {data.name!r}; choose one of: {', '.join(sorted(FORMATS))}")
        return
    positive(problems, f"{key}.limit", data.limit)
    if data.limit is not None and not data.limit >= 1:
        data = replace(data, limit=None)  # reported just now: open the splits all the same
    for split_key, labels in needs.items():
        split = getattr(data, split_key)
        try:
            dataset = open_split(data, split, train=split_key == "train_split")
        except (FileNotFoundError, ValueError, TypeError) as err:
            problems.append(f"{key}.{split_key} ({split!r} of {data.root}{_where(data)}): {err}")
            continue
        if len(dataset) == 0:
            problems.append(f"{key}.{split_key}: split {split!r} of {data.root}{_where(data)} is empty")
        missing = [k for k in labels if k not in dataset.labels]
        if missing:
            problems.append(f"{key}.{split_key}: split {split!r} of {data.root} has no {', '.join(missing)} labels "
                            f"(it has: {', '.join(sorted(dataset.labels)) or 'none'})")


def raise_problems(problems: list, what: str) -> None:
    """One ConfigError listing every problem once, in the order found (networks that share a
    settings block, n1_a and n1_b say, find its problems each)."""
    if problems:
        raise ConfigError(f"invalid {what}:\n  - " + "\n  - ".join(dict.fromkeys(problems)))


def validate_task_training(cfg: TaskTrainConfig) -> None:
    """Everything `atdt train-task` will need, checked up front; raises ConfigError."""
    problems: list[str] = []
    if cfg.task not in TASKS:
        problems.append(f"task: unknown task {cfg.task!r}; choose one of: {', '.join(TASKS)}")
    if not cfg.domains:
        problems.append("domains: needs at least one domain")
    check_network(problems, "network", cfg.network)
    check_runtime(problems, "runtime", cfg.runtime)
    check_seed(problems, "runtime.seed", cfg.runtime.seed)
    check_train(problems, "train", cfg.train, domains=max(len(cfg.domains), 1), world_size=cfg.runtime.world_size,
                task=cfg.task)
    for i, d in enumerate(cfg.domains):
        check_domain(problems, f"domains[{i}]", d, {"train_split": label_keys(cfg.task), "val_split": ()})
    raise_problems(problems, "train-task config")


TRANSLATE_PRECISIONS = ("auto", "32-true", "bf16-mixed", "16-mixed")


def check_cyclegan(problems: list, prefix: str, n: CycleGANConfig, t: GANTrainConfig) -> None:
    """CycleGAN's network and training settings; keys are ``<prefix>network.*``, ``<prefix>train.*``."""
    for key in ("width", "disc_width", "disc_layers"):
        positive(problems, f"{prefix}network.{key}", getattr(n, key))
    for key in ("blocks", "down"):
        positive(problems, f"{prefix}network.{key}", getattr(n, key), 0)
    _check_loop(problems, f"{prefix}train", t, ("pool_size", "cycle", "identity"))
    _check_adam(problems, f"{prefix}train.", t.lr, t.beta1)
    if not 0 <= t.decay_from <= 1:
        problems.append(f"{prefix}train.decay_from: must be a fraction of the steps in [0, 1], got {t.decay_from}")


def check_translation_runtime(problems: list, r: RuntimeConfig) -> None:
    if r.world_size != 1:
        problems.append(f"runtime.devices: CycleGAN (translation) trains on one device only, got {r.devices} x "
                        f"{r.num_nodes} node(s); set runtime.devices=1 runtime.num_nodes=1")
    if r.precision not in TRANSLATE_PRECISIONS:
        problems.append(f"runtime.precision: translation supports {', '.join(TRANSLATE_PRECISIONS)}, got {r.precision!r}")


def validate_translation(cfg: TranslationRunConfig) -> None:
    """Everything `atdt translate` will need, checked up front; raises ConfigError."""
    problems: list[str] = []
    r = cfg.runtime
    check_cyclegan(problems, "", cfg.network, cfg.train)
    check_runtime(problems, "runtime", r)
    check_translation_runtime(problems, r)
    check_seed(problems, "runtime.seed", r.seed)
    positive(problems, "report_limit", cfg.report_limit)
    positive(problems, "sheet_rows", cfg.sheet_rows, 0)
    if (problem := output_problem(cfg.out)) is not None:
        problems.append(f"out: {problem}")
    check_domain(problems, "domain_a", cfg.domain_a, {"train_split": ()})
    # every split of B is translated, so each must open
    check_domain(problems, "domain_b", cfg.domain_b, {"train_split": (), "val_split": (), "test_split": ()})
    raise_problems(problems, "translate config")
