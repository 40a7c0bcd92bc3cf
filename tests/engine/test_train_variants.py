"""Training the study networks: No Transfer's partial-label loss, a few real steps, resume, load."""

import pytest
import torch

from atdt.config import NetworkConfig, OptimConfig, RuntimeConfig, TrainConfig
from atdt.data import load_dataset
from atdt.engine import evaluate, load_checkpoint, make_fabric
from atdt.engine.checkpoint import CheckpointError
from atdt.engine import train_variants
from atdt.engine.train_variants import (
    load_multitask_network, load_separate_encoder_network, multitask_loss, partial_task_loss,
    train_multitask_network, train_separate_encoder_network,
)
from atdt.networks import build_multitask_network
from atdt.tasks import TASKS
from scores import same_scores
from training_outcomes import FIXED_STEPS, fell, fixed_batch_data, fixed_batch_train, logged

NET = NetworkConfig(decoder_channels=(16, 16, 16))
TRAIN = TrainConfig(steps=12, batch_size=4, log_every=1, ckpt_every=100, crop=(24, 48),
                    optim=OptimConfig(lr=1e-3, schedule="onecycle"))
MULTI = {"depth": (0, 1), "semantic": (0,)}  # T1 = depth on A+B, T2 = semantic on A


def _batch(seed=0):
    g = torch.Generator().manual_seed(seed)
    normals = torch.nn.functional.normalize(torch.randn(4, 3, 8, 16, generator=g), dim=1)
    return {"semantic": torch.randint(0, 11, (4, 8, 16), generator=g),
            "depth": torch.rand(4, 8, 16, generator=g) * 80 + 1, "normals": normals,
            "domain": torch.tensor([0, 0, 1, 1])}


@pytest.mark.parametrize("name", ("semantic", "depth", "normals"))
def test_partial_loss_equals_the_loss_on_the_samples_that_carry_the_label(name):
    task = TASKS[name]
    raw = torch.randn(4, task.out_channels, 8, 16)
    batch = {**_batch(), f"has_{name}": torch.tensor([True, False, True, False])}
    keep = [0, 2]
    sub = {k: v[keep] for k, v in batch.items()}
    expected = task.loss(raw[keep], sub)
    assert torch.allclose(partial_task_loss(task, raw, batch), expected)
    # whatever the samples without the label hold, fill or garbage, the term does not change
    garbage = {**batch, name: _batch(seed=1)[name]}
    garbage[name][keep] = batch[name][keep]
    assert torch.allclose(partial_task_loss(task, raw, garbage), expected)
    assert not torch.allclose(task.loss(raw, garbage), expected)  # the mask is what makes it so


def test_partial_loss_without_any_label_is_zero_and_keeps_the_graph():
    raw = torch.randn(4, 11, 8, 16, requires_grad=True)
    loss = partial_task_loss(TASKS["semantic"], raw, {**_batch(), "has_semantic": torch.zeros(4, dtype=torch.bool)})
    loss.backward()
    assert float(loss.detach()) == 0.0 and raw.grad is not None


def test_multitask_t2_term_equals_the_loss_of_the_batch_without_the_unlabelled_samples():
    """A batch where B's samples lack T2 labels gives T2 the loss of A's samples alone (eval mode,
    so batch norm does not couple the samples)."""
    torch.manual_seed(0)
    net = build_multitask_network(NET, {"depth": 1, "semantic": 11}).eval()
    images = torch.rand(4, 3, 32, 64)
    batch = {"image": images, "depth": torch.rand(4, 32, 64) * 50 + 1,
             "semantic": torch.randint(0, 11, (4, 32, 64)), "has_depth": torch.ones(4, dtype=torch.bool),
             "has_semantic": torch.tensor([True, True, False, False])}
    batch["semantic"][2:] = 255  # what PartialLabelSet fills in
    with torch.no_grad():
        total, logs = multitask_loss([TASKS["depth"], TASKS["semantic"]])(net, batch)
        a_only = TASKS["semantic"].loss(net(images[:2])["semantic"], {"semantic": batch["semantic"][:2]})
        depth_all = TASKS["depth"].loss(net(images)["depth"], batch)
    # batch 4 against batch 2: kernels may sum in another order
    assert torch.allclose(logs["semantic_loss"], a_only, rtol=1e-4, atol=1e-6)
    assert torch.allclose(logs["depth_loss"], depth_all, rtol=1e-4, atol=1e-6)
    assert torch.allclose(total, a_only + depth_all, rtol=1e-4, atol=1e-6)


@pytest.fixture
def domains(tiny_world):
    return [load_dataset("world", tiny_world / d, "train") for d in ("clean", "camera")]


def _fabric():
    return make_fabric(RuntimeConfig(progress=False, accelerator="cpu"))


@pytest.mark.training_outcome
def test_multitask_training_fits_both_heads_and_loads_back(tiny_world, tmp_path):
    run = tmp_path / "multitask"
    net = train_multitask_network(MULTI, fixed_batch_data(tiny_world, ("clean", "camera")), network=NET,
                                  train=fixed_batch_train(), seed=0, run_dir=run, fabric=_fabric(), progress=False)
    assert len(logged(run)) == FIXED_STEPS and fell(logged(run))
    assert fell(logged(run, "depth_loss")) and fell(logged(run, "semantic_loss"))
    loaded, config = load_multitask_network(run)
    assert config["kind"] == "multitask" and config["tasks"] == {"depth": [0, 1], "semantic": [0]}
    for name, value in net.state_dict().items():
        assert torch.equal(value, loaded.state_dict()[name]), name
    # the T2 head as a predictor: No Transfer evaluated on B like any network, scoring the
    # semantic decoder's output of the shared encoder
    head = loaded.head("semantic")
    images = torch.rand(2, 3, 32, 64)
    with torch.no_grad():
        assert torch.equal(head(images), loaded(images)["semantic"])
    val = load_dataset("world", tiny_world / "camera", "val")  # 4 images: one batch of evaluate's
    scores = evaluate(head, val, TASKS["semantic"], device="cpu", progress=False)
    expected = TASKS["semantic"].accumulator()
    with torch.no_grad():
        raw = loaded(torch.stack([s["image"] for s in val]))["semantic"]
    expected.update(TASKS["semantic"].predict(raw), torch.stack([s["semantic"] for s in val]))
    assert same_scores(scores, expected.compute())


def test_multitask_training_resumes_to_the_weights_of_an_uninterrupted_run(domains, tmp_path, monkeypatch):
    train = TrainConfig(steps=6, batch_size=4, log_every=1, ckpt_every=2, crop=(24, 48), optim=OptimConfig(lr=1e-3))
    whole = train_multitask_network(MULTI, domains, network=NET, train=train, seed=0, run_dir=tmp_path / "whole",
                                    fabric=_fabric(), progress=False)

    class Killed(Exception):
        pass

    real = train_variants.multitask_loss

    def dies_at_step_5(tasks):
        inner, calls = real(tasks), []

        def loss_fn(model, batch):
            calls.append(1)
            if len(calls) == 5:
                raise Killed
            return inner(model, batch)

        return loss_fn

    monkeypatch.setattr(train_variants, "multitask_loss", dies_at_step_5)
    with pytest.raises(Killed):
        train_multitask_network(MULTI, domains, network=NET, train=train, seed=0, run_dir=tmp_path / "killed",
                                fabric=_fabric(), progress=False)
    assert load_checkpoint(tmp_path / "killed" / "checkpoints" / "last.ckpt")["step"] == 4
    monkeypatch.setattr(train_variants, "multitask_loss", real)
    resumed = train_multitask_network(MULTI, domains, network=NET, train=train, seed=0, run_dir=tmp_path / "killed",
                                      fabric=_fabric(), progress=False)
    for name, value in whole.state_dict().items():
        assert torch.equal(value, resumed.state_dict()[name]), name
    assert logged(tmp_path / "killed") == logged(tmp_path / "whole")


@pytest.mark.training_outcome
def test_separate_encoder_training_fits_a_batch_and_loads_back(tiny_world, tmp_path):
    run = tmp_path / "n1"
    net = train_separate_encoder_network("semantic", fixed_batch_data(tiny_world, ("clean", "camera")), network=NET,
                                         train=fixed_batch_train(), seed=0, run_dir=run, fabric=_fabric(),
                                         progress=False)
    assert len(logged(run)) == FIXED_STEPS and fell(logged(run))
    loaded, config = load_separate_encoder_network(run)
    assert config["kind"] == "separate_encoders" and config["domains"] == ["a", "b"]
    for name, value in net.state_dict().items():
        assert torch.equal(value, loaded.state_dict()[name]), name
    x = torch.rand(2, 3, 32, 64)
    with torch.no_grad():
        assert loaded.encoder_for("b")(x)[-1].shape == (2, 512, 1, 2)
        assert loaded.network_for("a")(x).shape == (2, 11, 32, 64)


def test_wrong_inputs_fail_before_training(domains, tmp_path):
    with pytest.raises(ValueError, match="dataset indices"):
        train_multitask_network({"depth": (0, 2)}, domains, network=NET, train=TRAIN, seed=0, run_dir=tmp_path,
                                fabric=_fabric(), progress=False)
    with pytest.raises(ValueError, match="auxiliary losses"):
        train_separate_encoder_network("semantic", domains, network=NET, train=TrainConfig(aux_edges=0.1), seed=0,
                                       run_dir=tmp_path, fabric=_fabric(), progress=False)
    with pytest.raises(ValueError, match="one dataset per domain"):
        train_separate_encoder_network("semantic", domains * 2, network=NET, train=TRAIN, seed=0, run_dir=tmp_path,
                                       fabric=_fabric(), progress=False)
    with pytest.raises(FileNotFoundError, match="holds no finished network"):
        load_multitask_network(tmp_path / "nothing")


def test_loading_a_network_of_another_kind_names_the_file(domains, tmp_path):
    train_multitask_network(MULTI, domains, network=NET, train=TrainConfig(steps=1, batch_size=2, crop=(24, 48)),
                            seed=0, run_dir=tmp_path, fabric=_fabric(), progress=False)
    with pytest.raises(CheckpointError, match="final.ckpt: not a finished separate_encoders network .*multitask"):
        load_separate_encoder_network(tmp_path)
