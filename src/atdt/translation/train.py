"""CycleGAN trained between domains A and B (Zhu et al. 2017; the AT/DT paper's supp. Sec. 1.4
trains it with the authors' code and settings on 400x400 crops for 200k steps).

One step: both generators update on the least-squares adversarial loss, the two cycle losses
(weight 10) and the two identity losses (weight 0.5 x 10); then both discriminators update on
real images against fakes drawn from pools of the last 50. Adam (2e-4, beta1 0.5) keeps its rate
for the first half of the steps and decays it linearly to 0 over the second.

Every random choice of a step (which A and B images, crops, flips, pool swaps) is drawn from a
generator seeded by (seed, step) alone, and checkpoints hold the weights, both optimisers, both
schedules and both pools: a run killed and resumed ends with the weights of an uninterrupted one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.nn import functional as F
from torch.utils.data import Dataset, Sampler

from atdt.config import CycleGANConfig, GANTrainConfig
from atdt.engine.checkpoint import build_checked, load_checkpoint, rebuilding
from atdt.engine.loop import train_steps
from atdt.networks.cyclegan import CycleGAN
from atdt.typed_config import to_dict


def seeded(seed: int, *key: int) -> torch.Generator:
    """A torch random generator determined by (seed, *key) alone."""
    state = np.random.SeedSequence([seed % 2**63, *key]).generate_state(1, np.uint64)[0]
    return torch.Generator().manual_seed(int(state) >> 1)


class UnpairedCrops(Dataset):
    """Item k: one random image of A and one of B (unpaired), each randomly cropped and flipped,
    as {"a", "b"}: (3,h,w) in [-1, 1]. Everything is drawn from (seed, k)."""

    def __init__(self, dataset_a, dataset_b, *, crop: tuple[int, int] | None, flip: bool, seed: int):
        self.datasets, self.crop, self.flip, self.seed = (dataset_a, dataset_b), crop, flip, seed

    def _view(self, dataset, g: torch.Generator) -> torch.Tensor:
        i = int(torch.randint(len(dataset), (1,), generator=g))
        image = dataset[i]["image"]  # (3,H,W) in [0,1]
        if self.crop is not None:
            (ch, cw), (h, w) = self.crop, image.shape[-2:]
            if ch > h or cw > w:
                raise ValueError(f"crop {ch}x{cw} is larger than image {dataset.names[i]} of {dataset.domain} ({h}x{w}); "
                                 "lower train.crop")
            top = int(torch.randint(h - ch + 1, (1,), generator=g))
            left = int(torch.randint(w - cw + 1, (1,), generator=g))
            image = image[:, top : top + ch, left : left + cw]
        if bool(torch.rand(1, generator=g) < 0.5) and self.flip:  # drawn either way: same stream with flip off
            image = image.flip(-1)
        return image * 2.0 - 1.0

    def __getitem__(self, k: int) -> dict:
        g = seeded(self.seed, k)
        return {"a": self._view(self.datasets[0], g), "b": self._view(self.datasets[1], g)}


class ImagePool:
    """The discriminators' history of fakes (Shrivastava et al. 2017, as in CycleGAN). Until
    ``size`` images are stored a query returns its input; then each image is, with probability
    1/2, exchanged for a random stored one that it replaces."""

    def __init__(self, size: int):
        self.size, self.images = size, []

    def query(self, images: torch.Tensor, g: torch.Generator) -> torch.Tensor:  # (B,3,h,w) -> (B,3,h,w)
        if self.size == 0:
            return images
        out = []
        for image in images.detach():
            if len(self.images) < self.size:
                self.images.append(image)
                out.append(image)
            elif bool(torch.rand(1, generator=g) < 0.5):
                j = int(torch.randint(self.size, (1,), generator=g))
                out.append(self.images[j])
                self.images[j] = image
            else:
                out.append(image)
        return torch.stack(out)

    def state_dict(self) -> dict:
        return {"images": [im.cpu() for im in self.images]}

    def load_state_dict(self, state: dict, device) -> None:
        self.images = [im.to(device) for im in state["images"]]


def linear_decay(steps: int, decay_from: float):
    """lr factor: 1 until ``decay_from`` of the steps, then linearly down to 0 at the last step."""
    start = int(decay_from * steps)
    return lambda s: 1.0 if s < start else max(0.0, 1.0 - (s - start) / max(steps - start, 1))


def _mse_to(scores: torch.Tensor, target: float) -> torch.Tensor:
    return F.mse_loss(scores, torch.full_like(scores, target))


def generator_loss(nets: CycleGAN, real_a, real_b, *, cycle: float, identity: float):
    """LSGAN + cycle + identity losses of both generators -> (total, logs, fake_a, fake_b)."""
    fake_b, fake_a = nets.g_ab(real_a), nets.g_ba(real_b)
    gan = _mse_to(nets.d_b(fake_b), 1.0) + _mse_to(nets.d_a(fake_a), 1.0)
    cyc = cycle * (F.l1_loss(nets.g_ba(fake_b), real_a) + F.l1_loss(nets.g_ab(fake_a), real_b))
    idt = torch.zeros((), device=real_a.device)
    if identity > 0:  # a generator fed an image of its target domain should leave it alone
        idt = identity * cycle * (F.l1_loss(nets.g_ab(real_b), real_b) + F.l1_loss(nets.g_ba(real_a), real_a))
    return gan + cyc + idt, {"gan": gan, "cycle": cyc, "identity": idt}, fake_a, fake_b


def discriminator_loss(d, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    return 0.5 * (_mse_to(d(real), 1.0) + _mse_to(d(fake.detach()), 0.0))


def translation_preview(dataset_a, dataset_b, crop: tuple[int, int] | None):
    """nets -> {"translations/a_to_b": A's first image | G_AB of it, "translations/b_to_a": the same
    for B} (central crops of the training crop size), uint8 HxWx3 for TensorBoard."""
    from atdt.data.files import central_crop

    images = []

    def view(dataset) -> torch.Tensor:
        image = dataset[0]["image"]  # (3, H, W) in [0, 1]
        if crop is not None:
            top, left = central_crop(tuple(image.shape[-2:]), crop)
            image = image[:, top : top + crop[0], left : left + crop[1]]
        return image

    def to_uint8(x: torch.Tensor) -> np.ndarray:  # (3, h, w) in [-1, 1]
        return ((x.float().clamp(-1, 1) + 1) * 127.5).round().byte().permute(1, 2, 0).cpu().numpy()

    def preview(nets: CycleGAN) -> dict:
        if not images:
            images.extend(view(d) for d in (dataset_a, dataset_b))
        device = next(nets.parameters()).device
        out = {}
        for tag, image, generator in (("a_to_b", images[0], nets.g_ab), ("b_to_a", images[1], nets.g_ba)):
            real = image[None].to(device) * 2 - 1
            out[f"translations/{tag}"] = np.concatenate([to_uint8(real[0]), to_uint8(generator(real)[0])], axis=1)
        return out

    return preview


class StepItems(Sampler):
    """Items k*b ... (k+1)*b - 1 of ``UnpairedCrops`` for step k (b = ``batch_size``): one epoch of
    ``steps`` batches, each a function of (seed, step) alone; ``set_position`` skips those trained."""

    def __init__(self, steps: int, batch_size: int):
        self.batches_per_epoch, self.batch_size, self.start = steps, batch_size, 0

    def set_position(self, epoch: int, start_batch: int = 0) -> None:
        self.start = epoch * self.batches_per_epoch + start_batch

    def __iter__(self):
        return iter(range(self.start * self.batch_size, self.batches_per_epoch * self.batch_size))

    def __len__(self) -> int:
        return (self.batches_per_epoch - self.start) * self.batch_size


@dataclass(frozen=True)
class CycleGANStep:
    """One CycleGAN step in the authors' order (a ``TrainingStep`` of atdt.engine.step): both
    generators on ``generator_loss`` (one Adam), then both discriminators on real images against
    fakes from ``pools`` (another Adam); each pool swap of step k is drawn from (seed, k)."""

    train: GANTrainConfig
    seed: int
    pools: dict  # {"a": ImagePool, "b": ImagePool}: the fakes of G_BA and of G_AB
    loss_name: str = "loss_g"
    advice: str = "Lower train.lr."

    def configure(self, nets: CycleGAN) -> tuple[dict, dict]:
        betas, t = (self.train.beta1, 0.999), self.train
        opt_g = torch.optim.Adam(nets.generator_parameters(), lr=t.lr, betas=betas)
        opt_d = torch.optim.Adam(nets.discriminator_parameters(), lr=t.lr, betas=betas)
        sched_g = torch.optim.lr_scheduler.LambdaLR(opt_g, linear_decay(t.steps, t.decay_from))
        sched_d = torch.optim.lr_scheduler.LambdaLR(opt_d, linear_decay(t.steps, t.decay_from))
        return {"opt_g": opt_g, "opt_d": opt_d}, {"sched_g": sched_g, "sched_d": sched_d}

    def __call__(self, fabric, model, optimizers: dict, batch: dict, index: int) -> tuple[torch.Tensor, dict]:
        # one device: the four networks are called one by one, outside Fabric's wrapper, under its autocast
        nets, real_a, real_b = model.module, batch["a"], batch["b"]
        opt_g, opt_d = optimizers["opt_g"], optimizers["opt_d"]
        nets.d_a.requires_grad_(False)  # G's step needs no gradients of the discriminators
        nets.d_b.requires_grad_(False)
        with fabric.autocast():
            loss_g, logs, fake_a, fake_b = generator_loss(nets, real_a, real_b, cycle=self.train.cycle,
                                                          identity=self.train.identity)
        opt_g.zero_grad(set_to_none=True)
        fabric.backward(loss_g)
        opt_g.step()
        nets.d_a.requires_grad_(True)
        nets.d_b.requires_grad_(True)
        g = seeded(self.seed, index, 1)
        with fabric.autocast():
            logs["d_a"] = discriminator_loss(nets.d_a, real_a, self.pools["a"].query(fake_a, g))
            logs["d_b"] = discriminator_loss(nets.d_b, real_b, self.pools["b"].query(fake_b, g))
        opt_d.zero_grad(set_to_none=True)
        fabric.backward(logs["d_a"] + logs["d_b"])
        opt_d.step()
        return loss_g, {k: v.detach() for k, v in logs.items()}

    def state_dict(self) -> dict:
        return {"pools": {k: pool.state_dict() for k, pool in self.pools.items()}}

    def load_state_dict(self, state: dict, device) -> None:
        for key, pool in self.pools.items():
            pool.load_state_dict(state["pools"][key], device)


def train_cyclegan(fabric, dataset_a, dataset_b, *, network: CycleGANConfig, train: GANTrainConfig, seed: int,
                   run_dir, config=None, progress: bool = True, channels_last: bool = False) -> tuple[CycleGAN, dict]:
    """Train CycleGAN between A and B for ``train.steps`` steps in ``run_dir`` (checkpoints/,
    logs/train.csv and TensorBoard events with translations of A's and B's first images at each
    checkpoint and at the end, config.yaml) on the one loop (atdt.engine.loop.train_steps); a
    finished run is loaded, an interrupted one resumes. Returns the networks (on fabric's device,
    in eval mode) and {"steps", "final_loss", "seconds", "checkpoint"}."""
    if fabric.world_size > 1:  # its step calls the networks outside DDP's wrapper (validation refuses it first)
        raise ValueError(f"CycleGAN trains on one device only, got {fabric.world_size} processes")
    torch.manual_seed(seed)  # the init depends on the seed alone, not on what ran before (an experiment's networks)
    nets = CycleGAN(**to_dict(network))
    step = CycleGANStep(train, seed, {"a": ImagePool(train.pool_size), "b": ImagePool(train.pool_size)})
    pairs = UnpairedCrops(dataset_a, dataset_b, crop=train.crop, flip=train.flip, seed=seed)
    summary = train_steps(
        fabric, nets, step, pairs, steps=train.steps, batch_size=train.batch_size, run_dir=run_dir,
        sampler=StepItems(train.steps, train.batch_size), config=config, final_extras={"network": to_dict(network)},
        desc="cyclegan", log_every=train.log_every, ckpt_every=train.ckpt_every, num_workers=train.num_workers,
        progress=progress, channels_last=channels_last, preview=translation_preview(dataset_a, dataset_b, train.crop))
    return nets.to(fabric.device).eval(), summary


def load_cyclegan(path) -> CycleGAN:
    """The networks of a finished translation run (``<run>/checkpoints/final.ckpt``), on CPU, in eval mode."""
    payload = load_checkpoint(path)
    with rebuilding(path, "a CycleGAN"):
        network = dict(payload["network"])
    return build_checked(path, "a CycleGAN", lambda: CycleGAN(**network), payload.get("model")).eval()
