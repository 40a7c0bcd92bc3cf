"""CycleGAN training: the cycle loss falls, a killed run resumes to the same weights, the pieces
(unpaired crops, image pool, lr schedule) behave as in the authors' code."""

import pytest
import torch
from tensorboard_events import read_events

from atdt.config import CycleGANConfig, GANTrainConfig, RuntimeConfig
from atdt.data import load_dataset
from atdt.engine import load_checkpoint, make_fabric, save_checkpoint
from atdt.engine.checkpoint import CheckpointError
from atdt.translation.train import ImagePool, UnpairedCrops, linear_decay, load_cyclegan, seeded, train_cyclegan
from training_outcomes import fell, logged

NET = CycleGANConfig(width=8, blocks=2, disc_width=8, disc_layers=2)
RUNTIME = RuntimeConfig(accelerator="cpu", progress=False)


def _data(world):
    return load_dataset("world", world / "clean", "train"), load_dataset("world", world / "camera", "train")


def _train(world, run_dir, train, data=None):
    a, b = data or _data(world)
    return train_cyclegan(make_fabric(RUNTIME), a, b, network=NET, train=train, seed=0, run_dir=run_dir, progress=False)


@pytest.mark.training_outcome
def test_fitting_one_pair_lowers_the_cycle_loss_several_fold(tiny_world, tmp_path):
    """One fixed pair of whole images (no flips, no pool): the cycle loss ends at ~0.25 of its start
    after 60 steps; the bound is half. Identity loss off: it pulls both generators towards the
    identity, which alone lowers the cycle loss."""
    train = GANTrainConfig(steps=60, crop=None, flip=False, pool_size=0, lr=1e-3, identity=0.0, log_every=1,
                           ckpt_every=100)
    pair = [load_dataset("world", tiny_world / d, "train", limit=1) for d in ("clean", "camera")]
    nets, summary = _train(tiny_world, tmp_path / "run", train, pair)
    cycle = logged(tmp_path / "run", "cycle")
    assert len(cycle) == 60 and summary["steps"] == 60 and fell(cycle)
    payload = load_checkpoint(tmp_path / "run" / "checkpoints" / "final.ckpt")
    assert payload["network"]["width"] == 8 and not (tmp_path / "run" / "checkpoints" / "last.ckpt").exists()
    # TensorBoard: the CSV's columns as scalars at its steps, A -> B and B -> A of the 32x64 images at the end
    scalars, images = read_events(tmp_path / "run")
    assert {"loss_g", "gan", "cycle", "identity", "d_a", "d_b", "lr", "seconds", "step_seconds"} == set(scalars)
    assert [step for step, _ in scalars["cycle"]] == list(range(1, 61))
    assert [v for _, v in scalars["cycle"]] == pytest.approx(cycle, rel=1e-6)
    assert images == {"translations/a_to_b": [(60, 128, 32)], "translations/b_to_a": [(60, 128, 32)]}


class Killed(Exception):
    pass


class DiesAt:
    """A dataset that raises when item ``at`` is read: the run dies mid-way like a killed process."""

    def __init__(self, dataset, at):
        self.dataset, self.at, self.reads = dataset, at, 0
        self.names, self.domain = dataset.names, dataset.domain

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, i):
        self.reads += 1
        if self.reads == self.at:
            raise Killed
        return self.dataset[i]


def test_a_killed_run_resumes_to_the_weights_of_an_uninterrupted_one(tiny_world, tmp_path):
    # a pool of 3 fills after 3 steps, so the resumed run must also restore the pool to match
    train = GANTrainConfig(steps=8, crop=(32, 32), lr=1e-3, pool_size=3, log_every=1, ckpt_every=4)
    whole, _ = _train(tiny_world, tmp_path / "whole", train)
    a, b = _data(tiny_world)
    with pytest.raises(Killed):
        # dies in step 6: one B image a step, and the TensorBoard preview at the step-4 checkpoint read one
        _train(tiny_world, tmp_path / "killed", train, data=(a, DiesAt(b, 7)))
    assert load_checkpoint(tmp_path / "killed" / "checkpoints" / "last.ckpt")["step"] == 4
    assert len(logged(tmp_path / "killed", "cycle")) == 5  # logged past its checkpoint
    resumed, _ = _train(tiny_world, tmp_path / "killed", train)
    expected, got = whole.state_dict(), resumed.state_dict()
    assert expected.keys() == got.keys()
    for name in expected:
        assert torch.equal(expected[name], got[name]), name
    assert logged(tmp_path / "killed", "loss_g") == logged(tmp_path / "whole", "loss_g")  # each step logged once


def test_a_checkpoint_of_the_loop_before_the_one_loop_resumes_to_the_same_weights(tiny_world, tmp_path):
    """CycleGAN's last.ckpt from before the one loop had no RNG state (every choice of step k is drawn
    from (seed, k)): such a file resumes, to the weights of an uninterrupted run."""
    train = GANTrainConfig(steps=6, crop=(32, 32), lr=1e-3, pool_size=2, log_every=1, ckpt_every=3)
    whole, _ = _train(tiny_world, tmp_path / "whole", train)
    a, b = _data(tiny_world)
    with pytest.raises(Killed):
        _train(tiny_world, tmp_path / "killed", train, data=(a, DiesAt(b, 6)))  # dies in step 5
    last = tmp_path / "killed" / "checkpoints" / "last.ckpt"
    state = load_checkpoint(last)
    old = ("model", "opt_g", "opt_d", "sched_g", "sched_d", "step", "pools", "seconds")  # that loop's keys
    assert set(old) <= set(state) and state["step"] == 3
    save_checkpoint(last, {key: state[key] for key in old})
    torch.manual_seed(123)  # the global RNG plays no part
    resumed, _ = _train(tiny_world, tmp_path / "killed", train)
    for x, y in zip(whole.state_dict().values(), resumed.state_dict().values()):
        assert torch.equal(x, y)


def test_a_finished_run_is_loaded_not_retrained(tiny_world, tmp_path):
    train = GANTrainConfig(steps=2, crop=(32, 32), log_every=1)
    first, _ = _train(tiny_world, tmp_path / "run", train)
    a, b = _data(tiny_world)
    again, _ = _train(tiny_world, tmp_path / "run", train, data=(DiesAt(a, 1), b))  # reading any image would raise
    assert all(torch.equal(x, y) for x, y in zip(first.state_dict().values(), again.state_dict().values()))


def test_load_cyclegan_returns_the_trained_weights_and_names_a_file_that_does_not_rebuild(tiny_world, tmp_path):
    train = GANTrainConfig(steps=2, crop=(32, 32), log_every=1)
    trained, _ = _train(tiny_world, tmp_path / "run", train)
    final = tmp_path / "run" / "checkpoints" / "final.ckpt"
    loaded = load_cyclegan(final)
    assert not loaded.training
    assert all(torch.equal(x, y) for x, y in zip(trained.state_dict().values(), loaded.state_dict().values()))
    payload = load_checkpoint(final)
    payload["network"]["width"] = 16  # weights of width 8 no longer fit
    save_checkpoint(tmp_path / "edited.ckpt", payload)  # with the digest of the file as trained
    with pytest.raises(CheckpointError, match="edited.ckpt: its settings or weights were changed"):
        load_cyclegan(tmp_path / "edited.ckpt")
    del payload["digest"]  # as a file from before digests: the settings are checked against the weights
    save_checkpoint(tmp_path / "wrong.ckpt", payload)
    with pytest.raises(CheckpointError, match="wrong.ckpt.*not a CycleGAN.*of another shape"):
        load_cyclegan(tmp_path / "wrong.ckpt")


def test_unpaired_crops_are_a_function_of_seed_and_index(tiny_world):
    a, b = _data(tiny_world)
    pairs = UnpairedCrops(a, b, crop=(16, 24), flip=True, seed=3)
    first, again, other = pairs[5], pairs[5], pairs[6]
    assert first["a"].shape == first["b"].shape == (3, 16, 24)
    assert torch.equal(first["a"], again["a"]) and torch.equal(first["b"], again["b"])
    assert not torch.equal(first["a"], other["a"])
    assert -1 <= float(first["a"].min()) and float(first["a"].max()) <= 1
    assert not torch.equal(UnpairedCrops(a, b, crop=(16, 24), flip=True, seed=4)[5]["a"], first["a"])
    whole = UnpairedCrops(a, b, crop=None, flip=False, seed=0)[0]["a"]
    assert whole.shape == (3, 32, 64)
    with pytest.raises(ValueError, match="crop 40x24 is larger"):
        UnpairedCrops(a, b, crop=(40, 24), flip=False, seed=0)[0]


def test_image_pool_returns_inputs_until_full_then_swaps_about_half():
    pool = ImagePool(4)
    first = torch.arange(4.0).view(4, 1, 1, 1).expand(4, 3, 2, 2)
    assert torch.equal(pool.query(first, seeded(0, 0)), first)  # filling: the newest images
    swapped = 0
    for step in range(200):
        new = torch.full((1, 3, 2, 2), 100.0 + step)
        out = pool.query(new, seeded(0, step))
        assert len(pool.images) == 4
        if not torch.equal(out, new):
            swapped += 1
            assert any(torch.equal(out[0], im) for im in [*first, *(torch.full((3, 2, 2), 100.0 + s) for s in range(step))])
            assert any(torch.equal(new[0], im) for im in pool.images)  # the new image took its place
    assert 70 < swapped < 130
    assert torch.equal(ImagePool(0).query(first, seeded(0, 0)), first)


def test_linear_decay_holds_then_falls_to_zero():
    f = linear_decay(100, 0.5)
    assert f(0) == f(49) == 1.0
    assert f(50) == 1.0 and f(75) == pytest.approx(0.5) and f(100) == 0.0
    assert linear_decay(10, 0.0)(5) == pytest.approx(0.5) and linear_decay(10, 1.0)(9) == 1.0
