"""The training loop: loss goes down, a killed run resumes to the same weights, NaN stops it."""

import csv
import os
import signal
import subprocess
import sys
import time

import pytest
import torch
from training_outcomes import (
    FIXED_STEPS,
    fell,
    fixed_batch_data,
    fixed_batch_train,
    logged,
)

from atdt.config import NetworkConfig, OptimConfig, RuntimeConfig, TrainConfig
from atdt.data import load_dataset
from atdt.engine import NonFiniteLoss, load_checkpoint, make_fabric, train_task_network
from atdt.engine.loop import fit

NET = NetworkConfig(decoder_channels=(16, 16, 16))
RUNTIME = RuntimeConfig(progress=False, accelerator="cpu")


def _train(world, run_dir, steps=8, ckpt_every=100, runtime=RUNTIME, **kw):
    ds = load_dataset("world", world / "clean", "train")
    train = TrainConfig(steps=steps, batch_size=4, log_every=1, ckpt_every=ckpt_every, crop=(24, 48),
                        optim=OptimConfig(lr=1e-3, schedule="onecycle"), **kw)
    return train_task_network("semantic", [ds], network=NET, train=train, runtime=runtime, run_dir=run_dir)


@pytest.mark.training_outcome
def test_fitting_one_batch_lowers_its_loss_several_fold(tiny_world, tmp_path):
    train_task_network("semantic", fixed_batch_data(tiny_world), network=NET, train=fixed_batch_train(),
                       runtime=RUNTIME, run_dir=tmp_path / "run")
    losses = logged(tmp_path / "run")
    assert len(losses) == FIXED_STEPS and fell(losses)
    payload = load_checkpoint(tmp_path / "run" / "checkpoints" / "final.ckpt")
    assert payload["config"]["task"] == "semantic" and payload["step"] == FIXED_STEPS
    assert (tmp_path / "run" / "config.yaml").is_file()


def _task_config(world, path):
    path.write_text(
        "task: semantic\n"
        f"domains: [{{name: world, root: {world / 'clean'}}}]\n"
        "network: {decoder_channels: [16, 16, 16]}\n"
        "train: {steps: 24, batch_size: 4, crop: [24, 48], log_every: 4, ckpt_every: 4, optim: {lr: 0.001}}\n"
        "runtime: {accelerator: cpu, progress: false}\n")
    return path


@pytest.mark.slow
def test_resume_after_a_kill_ends_with_the_same_weights(tiny_world, tmp_path):
    config = _task_config(tiny_world, tmp_path / "task.yaml")
    cmd = [sys.executable, "-m", "atdt", "train-task", str(config)]
    subprocess.run(cmd + ["--out", str(tmp_path / "whole")], check=True, capture_output=True, timeout=300)
    killed = tmp_path / "killed"
    proc = subprocess.Popen(cmd + ["--out", str(killed)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and not (killed / "checkpoints" / "last.ckpt").is_file():
        time.sleep(0.05)
    time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (killed / "checkpoints" / "final.ckpt").is_file(), "the kill should land mid-run"
    interrupted_at = load_checkpoint(killed / "checkpoints" / "last.ckpt")["step"]
    assert 0 < interrupted_at < 24
    subprocess.run(cmd + ["--out", str(killed)], check=True, capture_output=True, timeout=300)
    a = load_checkpoint(tmp_path / "whole" / "checkpoints" / "final.ckpt")["model"]
    b = load_checkpoint(killed / "checkpoints" / "final.ckpt")["model"]
    for name in a:
        assert torch.equal(a[name], b[name]), name
    assert logged(tmp_path / "whole")[-1] == logged(killed)[-1]


def test_a_nan_loss_stops_the_run_with_a_clear_message(tmp_path):
    fabric = make_fabric(RUNTIME)
    model = torch.nn.Linear(2, 1)

    class Data(torch.utils.data.Dataset):
        sizes = (4,)

        def __len__(self):
            return 4

        def __getitem__(self, item):
            return {"x": torch.ones(2)}

    from atdt.data.mixed import MixedSampler

    def loss_fn(m, batch):
        return m(batch["x"]).sum() * float("nan"), {}

    with pytest.raises(NonFiniteLoss, match="loss became nan at step 2"):
        fit(fabric, model, loss_fn, Data(), steps=5, batch_size=2, optim=OptimConfig(), run_dir=tmp_path,
            sampler=MixedSampler([4], 2), log_every=2, progress=False)


@pytest.mark.training_outcome
def test_channels_last_trains_the_same_network(tiny_world, tmp_path):
    """NHWC is a memory layout, not a different model: same losses step by step (Adam turns
    rounding-level gradient differences into visible weight differences, so losses are compared)."""
    _train(tiny_world, tmp_path / "nchw", steps=4)
    nhwc = _train(tiny_world, tmp_path / "nhwc", steps=4,
                  runtime=RuntimeConfig(progress=False, accelerator="cpu", channels_last=True))
    assert next(p for p in nhwc.parameters() if p.dim() == 4).is_contiguous(memory_format=torch.channels_last)
    nchw_losses, nhwc_losses = logged(tmp_path / "nchw"), logged(tmp_path / "nhwc")
    assert len(nchw_losses) == len(nhwc_losses) == 4
    # The spread of these losses over layouts, 1 and 2 threads and AVX2 or plain ATen kernels,
    # measured: 2e-7 relative at step 1, 5e-5 at step 4. The bounds are 100x that; a step lost or
    # a batch mangled in NHWC moves the loss by 5-10%.
    assert abs(nchw_losses[0] - nhwc_losses[0]) < 2e-5 * nchw_losses[0]  # same init, same batch
    assert all(abs(a - b) < 5e-3 * a for a, b in zip(nchw_losses, nhwc_losses))


def test_loader_workers_feed_the_same_batches_across_epochs(tiny_world, tmp_path):
    """12 images in batches of 4: 7 steps span three epochs of one loader whose workers persist;
    the batches (and so the losses) are those of loading in the main process."""
    _train(tiny_world, tmp_path / "main", steps=7)
    _train(tiny_world, tmp_path / "workers", steps=7, num_workers=2)
    main, workers = logged(tmp_path / "main"), logged(tmp_path / "workers")
    assert len(main) == 7 and all(abs(a - b) < 1e-5 for a, b in zip(main, workers))


class TwoOptimisers:
    """A TrainingStep with an optimiser and a schedule per layer and a state of its own (a count of
    the steps it took), as CycleGAN's step has: the loop must resume all of them."""

    loss_name, advice = "loss_sum", "Lower the rates."

    def __init__(self, dies_at=None):
        self.dies_at, self.seen, self.count = dies_at, [], 0

    def configure(self, model):
        a, b = torch.optim.SGD(model[0].parameters(), lr=0.1), torch.optim.Adam(model[1].parameters(), lr=0.01)
        return {"opt_a": a, "opt_b": b}, {"sched_a": torch.optim.lr_scheduler.LambdaLR(a, lambda s: 1 / (1 + s)),
                                          "sched_b": torch.optim.lr_scheduler.LambdaLR(b, lambda s: 1.0)}

    def __call__(self, fabric, model, optimizers, batch, index):
        if index == self.dies_at:
            raise Killed
        self.seen.append(index)
        self.count += 1
        losses = {}
        for i, name in enumerate(("opt_a", "opt_b")):
            losses[name] = (model.module[i](batch["x"]) - 1).pow(2).mean()
            optimizers[name].zero_grad()
            fabric.backward(losses[name])
            optimizers[name].step()
        return losses["opt_a"] + losses["opt_b"], {"a": losses["opt_a"].detach()}

    def state_dict(self):
        return {"count": self.count}

    def load_state_dict(self, state, device):
        self.count = state["count"]


class Killed(Exception):
    pass


def test_a_step_with_two_optimisers_and_its_own_state_resumes_to_the_same_weights(tmp_path):
    from atdt.data.mixed import MixedSampler
    from atdt.engine.loop import train_steps

    class Data(torch.utils.data.Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, item):  # (index, augmentation seed), as MixedSampler yields them
            return {"x": torch.tensor([float(item[0]), 1.0 - item[0]])}

    def train(run_dir, step):
        torch.manual_seed(0)
        model = torch.nn.ModuleList([torch.nn.Linear(2, 1), torch.nn.Linear(2, 1)])
        summary = train_steps(make_fabric(RUNTIME), model, step, Data(), steps=6, batch_size=2, run_dir=run_dir,
                              sampler=MixedSampler([4], 2), final_extras={"kind": "two"}, log_every=1, ckpt_every=3,
                              progress=False)
        return model, summary

    whole, _ = train(tmp_path / "whole", TwoOptimisers())
    with pytest.raises(Killed):
        train(tmp_path / "killed", TwoOptimisers(dies_at=4))
    last = load_checkpoint(tmp_path / "killed" / "checkpoints" / "last.ckpt")
    assert last["step"] == 3 and last["count"] == 3 and {"opt_a", "opt_b", "sched_a", "sched_b"} <= set(last)
    step = TwoOptimisers()
    resumed, summary = train(tmp_path / "killed", step)
    assert step.seen == [3, 4, 5] and step.count == 6  # each step once, the count restored from the checkpoint
    for a, b in zip(whole.state_dict().values(), resumed.state_dict().values()):
        assert torch.equal(a, b)
    final = load_checkpoint(tmp_path / "killed" / "checkpoints" / "final.ckpt")
    assert final["kind"] == "two" and final["summary"] == summary and summary["steps"] == 6
    rows = list(csv.DictReader((tmp_path / "killed" / "logs" / "train.csv").open()))
    assert [int(r["step"]) for r in rows] == [1, 2, 3, 4, 5, 6]
    assert float(rows[-1]["lr"]) == pytest.approx(0.1 / 7)  # the first schedule's rate after 6 steps
    assert logged(tmp_path / "killed", "loss_sum") == logged(tmp_path / "whole", "loss_sum")


def test_a_nan_loss_names_the_steps_loss_and_advice(tmp_path):
    from atdt.data.mixed import MixedSampler
    from atdt.engine.loop import train_steps

    class Data(torch.utils.data.Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, item):
            return {"x": torch.full((2,), float("nan"))}

    model = torch.nn.ModuleList([torch.nn.Linear(2, 1), torch.nn.Linear(2, 1)])
    with pytest.raises(NonFiniteLoss, match=r"two: loss_sum became nan at step 1; stopping \(no checkpoint yet\)\. "
                                            "Lower the rates"):
        train_steps(make_fabric(RUNTIME), model, TwoOptimisers(), Data(), steps=3, batch_size=2, run_dir=tmp_path,
                    sampler=MixedSampler([4], 2), desc="two", log_every=1, progress=False)
