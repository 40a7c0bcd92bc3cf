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

import math
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F
from torch.utils.data import DataLoader, Dataset

from atdt.config import CycleGANConfig, GANTrainConfig
from atdt.engine.checkpoint import build_checked, final_checkpoint, load_checkpoint, rebuilding, save_checkpoint
from atdt.engine.loop import NonFiniteLoss
from atdt.engine.training_log import TrainingLog, render_preview
from atdt.networks.cyclegan import CycleGAN
from atdt.typed_config import save_config, to_dict

LOG_KEYS = ("loss_g", "gan", "cycle", "identity", "d_a", "d_b")


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


def train_cyclegan(fabric, dataset_a, dataset_b, *, network: CycleGANConfig, train: GANTrainConfig, seed: int,
                   run_dir, config=None, progress: bool = True, channels_last: bool = False) -> tuple[CycleGAN, dict]:
    """Train CycleGAN between A and B for ``train.steps`` steps in ``run_dir`` (checkpoints/,
    logs/train.csv and TensorBoard events with translations of A's and B's first images at each
    checkpoint and at the end, config.yaml); a finished run is loaded, an interrupted one resumes.
    Returns the networks (on fabric's device, in eval mode) and {"steps", "final_loss", "seconds", "checkpoint"}."""
    from tqdm import tqdm

    run_dir = Path(run_dir)
    final_path = final_checkpoint(run_dir)
    last_path = final_path.with_name("last.ckpt")
    torch.manual_seed(seed)  # the init depends on the seed alone, not on what ran before (an experiment's networks)
    nets = CycleGAN(**to_dict(network))
    if final_path.is_file():
        payload = load_checkpoint(final_path)
        nets.load_state_dict(payload["model"])
        return nets.to(fabric.device).eval(), payload["summary"]
    run_dir.mkdir(parents=True, exist_ok=True)
    if config is not None:
        save_config(config, run_dir / "config.yaml")

    state = load_checkpoint(last_path) if last_path.is_file() else None
    if state is not None:
        nets.load_state_dict(state["model"])
    # one device: the networks are called one by one, so they stay unwrapped, moved in place before
    # the optimisers exist (a loaded optimiser state then lands on the parameters' device)
    fabric.setup_module(nets, move_to_device=True)
    if channels_last:
        nets.to(memory_format=torch.channels_last)
    betas = (train.beta1, 0.999)
    opt_g = torch.optim.Adam(nets.generator_parameters(), lr=train.lr, betas=betas)
    opt_d = torch.optim.Adam(nets.discriminator_parameters(), lr=train.lr, betas=betas)
    sched_g = torch.optim.lr_scheduler.LambdaLR(opt_g, linear_decay(train.steps, train.decay_from))
    sched_d = torch.optim.lr_scheduler.LambdaLR(opt_d, linear_decay(train.steps, train.decay_from))
    pools = {"a": ImagePool(train.pool_size), "b": ImagePool(train.pool_size)}
    step, elapsed = 0, 0.0
    if state is not None:
        for obj, key in ((opt_g, "opt_g"), (opt_d, "opt_d"), (sched_g, "sched_g"), (sched_d, "sched_d")):
            obj.load_state_dict(state[key])
        for key, pool in pools.items():
            pool.load_state_dict(state["pools"][key], fabric.device)
        step, elapsed = state["step"], state["seconds"]
    opt_g, opt_d = fabric.setup_optimizers(opt_g, opt_d)
    nets.train()

    log = TrainingLog(run_dir, step=step)
    preview = translation_preview(dataset_a, dataset_b, train.crop)
    pairs = UnpairedCrops(dataset_a, dataset_b, crop=train.crop, flip=train.flip, seed=seed)
    b = train.batch_size
    loader = DataLoader(pairs, batch_size=b, sampler=range(step * b, train.steps * b), num_workers=train.num_workers)
    bar = tqdm(total=train.steps, initial=step, desc="cyclegan", unit="step", file=sys.stderr, dynamic_ncols=True,
               disable=not progress)
    start, loss_value = time.perf_counter(), math.nan
    for batch in loader:
        memory = torch.channels_last if channels_last else torch.contiguous_format
        real_a, real_b = (fabric.to_device(batch[k]).contiguous(memory_format=memory) for k in ("a", "b"))
        nets.d_a.requires_grad_(False)  # G's step needs no gradients of the discriminators
        nets.d_b.requires_grad_(False)
        with fabric.autocast():
            loss_g, logs, fake_a, fake_b = generator_loss(nets, real_a, real_b, cycle=train.cycle, identity=train.identity)
        opt_g.zero_grad(set_to_none=True)
        fabric.backward(loss_g)
        opt_g.step()
        nets.d_a.requires_grad_(True)
        nets.d_b.requires_grad_(True)
        g = seeded(seed, step, 1)
        with fabric.autocast():
            logs["d_a"] = discriminator_loss(nets.d_a, real_a, pools["a"].query(fake_a, g))
            logs["d_b"] = discriminator_loss(nets.d_b, real_b, pools["b"].query(fake_b, g))
        opt_d.zero_grad(set_to_none=True)
        fabric.backward(logs["d_a"] + logs["d_b"])
        opt_d.step()
        sched_g.step()
        sched_d.step()
        step += 1
        if step % train.log_every == 0 or step == train.steps:
            loss_value = float(loss_g.detach())
            if not math.isfinite(loss_value):
                where = f"last good checkpoint: {last_path}" if last_path.is_file() else "no checkpoint yet"
                raise NonFiniteLoss(f"cyclegan: generator loss became {loss_value} at step {step}; stopping ({where}). "
                                    "Lower train.lr.")
            log.row({"step": step, "loss_g": loss_value, **{k: float(logs[k].detach()) for k in LOG_KEYS[1:]},
                     "lr": sched_g.get_last_lr()[0], "seconds": round(elapsed + time.perf_counter() - start, 3)})
            bar.set_postfix(g=f"{loss_value:.3f}", cycle=f"{float(logs['cycle'].detach()):.3f}")
        bar.update()
        if step % train.ckpt_every == 0 and step < train.steps:
            log.images(render_preview(preview, nets, fabric), step)
            save_checkpoint(last_path, {
                "model": nets.state_dict(), "opt_g": opt_g.state_dict(), "opt_d": opt_d.state_dict(),
                "sched_g": sched_g.state_dict(), "sched_d": sched_d.state_dict(), "step": step,
                "pools": {k: pool.state_dict() for k, pool in pools.items()},
                "seconds": elapsed + time.perf_counter() - start,
            })
    bar.close()
    summary = {"steps": train.steps, "final_loss": loss_value, "seconds": elapsed + time.perf_counter() - start,
               "checkpoint": str(final_path)}
    log.images(render_preview(preview, nets, fabric), train.steps)
    log.close()
    save_checkpoint(final_path, {"model": nets.state_dict(), "network": to_dict(network), "step": train.steps,
                                 "config": to_dict(config) if config is not None else None, "summary": summary}, seal=True)
    last_path.unlink(missing_ok=True)
    return nets.eval(), summary


def load_cyclegan(path) -> CycleGAN:
    """The networks of a finished translation run (``<run>/checkpoints/final.ckpt``), on CPU, in eval mode."""
    payload = load_checkpoint(path)
    with rebuilding(path, "a CycleGAN"):
        network = dict(payload["network"])
    return build_checked(path, "a CycleGAN", lambda: CycleGAN(**network), payload.get("model")).eval()
