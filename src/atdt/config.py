"""The experiment configuration: frozen dataclasses, one per block of a config file.

What an experiment, a single network's training or a translation can set, with the defaults.
Building them from YAML files and ``key=value`` overrides, and failing on unknown keys, is
``atdt.typed_config``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DataConfig:
    """One domain: a dataset format, its root folder and which splits to use."""

    name: str = "world"  # format: world, cityscapes, kitti, synthia, carla, filelist, folder (your own data)
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

    encoder: str = "resnet18"  # resnet18 | resnet34 | resnet50 | resnet101 | timm:<name> (pip install -e '.[timm]')
    output_stride: int = 32  # 32 plain ResNet; 16 = layer4 dilated (rate 2); 8 = rates 2 and 4 in layer3, layer4
    norm: str = "batch"  # batch | group | instance | none (timm encoders keep their own: batch only)
    split_level: int = 4  # stage where E ends (1..4; timm: 1..its stages at 1/4 and below), 4 = deepest as in the paper
    skips: bool = False
    decoder_channels: tuple[int, ...] = (128, 64, 32)
    pretrained: str | None = None  # imagenet | imagenet:<version or timm tag> | path to a weight file (.pth)


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
    # a task with classes (semantic): cross-entropy weights (a class's pixel share in the batch)^-p; 0 = off
    class_balance: float = 0.0


@dataclass(frozen=True)
class RuntimeConfig:
    """Where and how things run; handed to Lightning Fabric."""

    accelerator: str = "auto"
    devices: int = 1
    num_nodes: int = 1
    strategy: str = "auto"
    precision: str = "32-true"  # or "bf16-mixed", ...; "auto": bf16-mixed where the hardware has bf16 units (docs/training.md)
    channels_last: bool = False  # NHWC memory format for models and images (faster convolutions on CPU)
    # under DDP on GPUs: batch-norm statistics over the global batch (else each process's own,
    # the buffers kept being rank 0's); docs/training.md
    sync_batchnorm: bool = False
    seed: int = 0
    progress: bool = True

    @property
    def world_size(self) -> int:
        """The number of processes: one per device on each node (a count below 1, which validation
        refuses, counts as 1). A property, not a setting: config files and overrides cannot set it."""
        return max(self.devices, 1) * max(self.num_nodes, 1)


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
    # beyond the paper (its Sec. 6 future work), method atdt_multiscale: one G_k per shallower stage
    # k = 1, 2, 3 of E that D2 reads through its skips, with these stride-2 layers (their maps are
    # 4x, 2x the deepest one's side at output stride 16); the deepest stage's G is step 3's own
    multiscale_down: tuple[int, ...] = (2, 2, 2)


@dataclass(frozen=True)
class ExperimentConfig:
    """One AT/DT experiment: T1 -> T2 from domain A to domain B, evaluating ``methods``; each
    block n1, n2, oracle, transfer, translate holds the settings of networks of the runner
    (atdt.method.network_table)."""

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

    @property
    def domains(self) -> dict[str, DataConfig]:
        """The domains by the keys the runner's tables use: "a" (domain_a) and "b" (domain_b)."""
        return {"a": self.domain_a, "b": self.domain_b}


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
    """The translation of an experiment (its ``translate`` block; the network ``translation``, which
    makes the "B like A" domain of the methods cyclegan and atdt_cyclegan): CycleGAN's network and
    training settings, as in a TranslationRunConfig, by default those of
    experiments/translate_demo.yaml. With the same data, settings, seed and precision it is the
    translation `atdt translate` trains (one fingerprint), so either reuses the other's."""

    network: CycleGANConfig = field(default_factory=lambda: CycleGANConfig(width=16, blocks=6, disc_width=32, disc_layers=2))
    train: GANTrainConfig = field(
        default_factory=lambda: GANTrainConfig(steps=1500, crop=(64, 64), log_every=25, ckpt_every=250)
    )
    seed: int | None = None  # None: each seed of the experiment trains its own; a number: one translation for all


@dataclass(frozen=True)
class TranslationRunConfig:
    """One run of a translation, ``atdt translate`` (``atdt.translation.run_translation``): CycleGAN
    between A and B, then B's splits translated to look like A."""

    domain_a: DataConfig = field(default_factory=lambda: DataConfig(root="data/world/clean"))
    domain_b: DataConfig = field(default_factory=lambda: DataConfig(root="data/world/camera"))
    network: CycleGANConfig = field(default_factory=CycleGANConfig)
    train: GANTrainConfig = field(default_factory=GANTrainConfig)
    runtime: RuntimeConfig = field(default_factory=RuntimeConfig)
    report_limit: int = 200  # images per domain in the distance report and the contact sheet's search
    sheet_rows: int = 6  # contact sheet: B | B like A | nearest A, for the first rows of B's test split
    out: str = "runs/translate"  # run folder; the "B like A" dataset goes to <out>/b_like_a
