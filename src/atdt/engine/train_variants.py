"""Training the networks of two of the paper's studies on the one loop (atdt.engine.loop.fit), and
loading them back from their run folders:

- the No Transfer multi-task network (supplementary Sec. 1.2, Tab. 3-4): shared E, D_1 for T1 on
  A and B, D_2 for T2 on A only, trained together with the sum of the two task losses;
- N1 with separate encoders (supplementary Sec. 1.3, Tab. 5): E_1^A on A, E_1^B on B, one D_1.

The separate N1^A and N1^B of Tab. 5 (Sec. 6.2) need nothing here: each is a TaskNetwork trained
on one domain by atdt.engine.train_task.train_task_network.
"""

from __future__ import annotations

import torch

from atdt.config import NetworkConfig, TrainConfig
from atdt.data.mixed import TrainingSet
from atdt.data.partial import PartialLabelSet
from atdt.engine.checkpoint import load_finished, network_to_build, stored_network
from atdt.engine.train_task import fit_on_domains
from atdt.networks.multitask import MultiTaskNetwork, build_multitask_network
from atdt.networks.separate_encoders import DOMAINS, SeparateEncoderNetwork, build_separate_encoder_network
from atdt.tasks import Task, get_task
from atdt.typed_config import to_dict


def partial_task_loss(task: Task, raw: torch.Tensor, batch: dict) -> torch.Tensor:
    """The task's loss over the samples that carry its label (``batch["has_<label>"]``, bool [B]):
    the same value as the task's loss on the sub-batch of those samples, whatever the others hold.
    A batch where no sample carries it gives 0, keeping the graph (and DDP's gradient sync) alive."""
    has = batch.get(f"has_{task.label_key}")
    if has is None:  # every sample carries the label
        return task.loss(raw, batch)
    if not bool(has.any()):
        return raw.sum() * 0.0
    sub = {k: v[has] for k, v in batch.items() if torch.is_tensor(v) and v.shape[:1] == has.shape}
    return task.loss(raw[has], sub)


def multitask_loss(tasks: list[Task]):
    """loss_fn(model, batch) for fit: the sum of every head's partial task loss (equal weights)."""
    def loss_fn(model, batch):
        outputs = model(batch["image"])  # {task name: (B, C_task, H, W)}
        total, logs = 0.0, {}
        for task in tasks:
            term = partial_task_loss(task, outputs[task.name], batch)
            total, logs[f"{task.name}_loss"] = total + term, term.detach()
        return total, logs

    return loss_fn


def _check_train(train: TrainConfig, what: str) -> None:
    if train.aux_edges or train.norm_align or train.class_balance:
        raise ValueError(f"{what}: the auxiliary losses (train.aux_edges, train.norm_align) and train.class_balance "
                         "apply to task networks only")


def train_multitask_network(tasks: dict[str, tuple[int, ...]], datasets: list, *, network: NetworkConfig,
                            train: TrainConfig, seed: int, run_dir, fabric, progress: bool = True,
                            channels_last: bool = False, sync_batchnorm: bool = False,
                            desc: str = "no transfer: E + D1 + D2") -> MultiTaskNetwork:
    """No Transfer (supplementary Sec. 1.2): one head per task in ``tasks`` (name -> indices of the
    ``datasets`` whose labels train it, e.g. ``{"depth": (0, 1), "semantic": (0,)}`` for T1 on A+B
    and T2 on A). Batches hold equal shares of every dataset; each head's loss covers the samples
    that carry its labels. Resumes from the run folder; returns the network in eval mode."""
    _check_train(train, "no transfer")
    specs = [get_task(name) for name in tasks]
    for name, used in tasks.items():
        if not used or any(not 0 <= i < len(datasets) for i in used):
            raise ValueError(f"task {name}: dataset indices {tuple(used)} must name some of the {len(datasets)} datasets")
    keys = [tuple(t.label_key for t in specs if i in tasks[t.name]) for i in range(len(datasets))]
    torch.manual_seed(seed)  # the init depends on the seed alone, not on what ran before
    model = build_multitask_network(network_to_build(network, run_dir), {t.name: t.out_channels for t in specs})
    data = PartialLabelSet(datasets, keys, crop=train.crop, flip=train.flip, photometric=train.photometric)
    config = {"kind": "multitask", "tasks": {k: list(v) for k, v in tasks.items()}, "network": to_dict(network),
              "train": to_dict(train), "seed": seed}
    fit_on_domains(model, multitask_loss(specs), data, train=train, seed=seed, run_dir=run_dir, fabric=fabric,
                   config=config, desc=desc, progress=progress, channels_last=channels_last,
                   sync_batchnorm=sync_batchnorm)
    return model.eval()


def train_separate_encoder_network(task: str, datasets: list, *, network: NetworkConfig, train: TrainConfig,
                                   seed: int, run_dir, fabric, progress: bool = True, channels_last: bool = False,
                                   sync_batchnorm: bool = False,
                                   desc: str = "N1 with separate encoders") -> SeparateEncoderNetwork:
    """N1 for ``task`` with one encoder per dataset (``datasets[0]`` -> encoder "a", ``[1]`` -> "b")
    and one decoder (supplementary Sec. 1.3). Every batch holds equal shares of each domain; each
    sample goes through its own domain's encoder. Resumes; returns the network in eval mode."""
    _check_train(train, "separate encoders")
    if not 1 <= len(datasets) <= len(DOMAINS):
        raise ValueError(f"one dataset per domain ({', '.join(DOMAINS)}), got {len(datasets)}")
    spec = get_task(task)
    torch.manual_seed(seed)
    model = build_separate_encoder_network(network_to_build(network, run_dir), spec.out_channels, DOMAINS[:len(datasets)])
    data = TrainingSet(datasets, (spec.label_key,), crop=train.crop, flip=train.flip, photometric=train.photometric)

    def loss_fn(net, batch):
        return spec.loss(net(batch["image"], batch["domain"]), batch), {}

    config = {"kind": "separate_encoders", "task": task, "domains": list(DOMAINS[:len(datasets)]),
              "network": to_dict(network), "train": to_dict(train), "seed": seed}
    fit_on_domains(model, loss_fn, data, train=train, seed=seed, run_dir=run_dir, fabric=fabric, config=config,
                   desc=desc, progress=progress, channels_last=channels_last, sync_batchnorm=sync_batchnorm)
    return model.eval()


def _load(run_dir, kind: str, build):
    """Rebuild a finished network of ``kind`` (on CPU, eval mode) from its run folder with
    ``build(config, network settings)``; returns (network, config)."""
    def checked(config):
        if config.get("kind") != kind:
            raise ValueError(f"it holds a {config.get('kind') or 'task'} network")
        return build(config, stored_network(config["network"]))

    return load_finished(run_dir, f"a finished {kind} network", checked)


def load_multitask_network(run_dir) -> tuple[MultiTaskNetwork, dict]:
    return _load(run_dir, "multitask", lambda config, network: build_multitask_network(
        network, {name: get_task(name).out_channels for name in config["tasks"]}))


def load_separate_encoder_network(run_dir) -> tuple[SeparateEncoderNetwork, dict]:
    return _load(run_dir, "separate_encoders", lambda config, network: build_separate_encoder_network(
        network, get_task(config["task"]).out_channels, tuple(config["domains"])))
