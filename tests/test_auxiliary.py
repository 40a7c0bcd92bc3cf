"""The auxiliary edge task and the feature-norm discrepancy loss (atdt.auxiliary), and both
through the real training loop on tiny world data."""

import pytest
import torch

from atdt.auxiliary import EDGE_FRACTION, edge_loss, image_edges, norm_discrepancy
from atdt.config import NetworkConfig, RuntimeConfig
from atdt.data import load_dataset
from atdt.engine import load_task_network, train_task_network
from atdt.networks import build_task_network
from training_outcomes import FIXED_STEPS, fell, fixed_batch_data, fixed_batch_train, logged

NET = NetworkConfig(decoder_channels=(16, 16, 16))
RUNTIME = RuntimeConfig(progress=False, accelerator="cpu")


def test_edges_lie_on_the_step_of_a_two_tone_image_and_not_in_flat_parts():
    images = torch.zeros(2, 3, 32, 64)
    images[:, :, :, 32:] = 0.8  # a vertical step between columns 31 and 32
    images[1] += 0.02 * torch.randn(images[1].shape, generator=torch.Generator().manual_seed(0))  # sensor noise is no edge
    edges = image_edges(images.clamp(0, 1))
    assert edges.shape == (2, 32, 64)
    for e in edges:
        columns = e.sum(dim=0).nonzero().flatten()
        assert columns.min() >= 29 and columns.max() <= 34  # only around the step
        assert e[:, 30:34].mean() > 0.5


@pytest.mark.training_outcome
def test_edge_density_is_the_same_whatever_the_contrast():
    torch.manual_seed(0)
    image = torch.rand(1, 3, 32, 64)
    edges = image_edges(image)
    # scaling by a power of two scales every intermediate exactly, on any CPU: the same edges
    assert torch.equal(edges, image_edges(image * 0.25))
    # any other contrast moves at most a few pixels across the relative thresholds (rounding)
    assert float((edges != image_edges(image * 0.2)).float().mean()) < 0.005
    assert abs(float(edges.mean()) - EDGE_FRACTION) < 0.02


def test_edge_loss_is_lower_for_the_right_edges():
    torch.manual_seed(0)
    images = torch.rand(2, 3, 16, 32)
    right = (image_edges(images)[:, None] * 2 - 1) * 5  # logits agreeing with the edges
    assert edge_loss(right, images) < edge_loss(-right, images)


def test_norm_discrepancy_is_zero_for_equal_norms_and_ignores_a_common_scale():
    torch.manual_seed(0)
    f = torch.randn(4, 8, 2, 4)
    domain = torch.tensor([0, 0, 1, 1])
    same = torch.cat([f[:2], f[:2]])
    assert float(norm_discrepancy(same, domain)) < 1e-10
    gap = norm_discrepancy(torch.cat([f[:2], 3 * f[:2]]), domain)
    assert torch.isclose(gap, norm_discrepancy(10 * torch.cat([f[:2], 3 * f[:2]]), domain))
    assert float(gap) > 0.5
    assert float(norm_discrepancy(f, torch.zeros(4, dtype=torch.long))) == 0.0  # one domain: no gap


def _fixed_mixed_batch(world):
    """Two images of A then two of B, as a batch of N1 sees them."""
    images = [load_dataset("world", world / d, "train")[i]["image"] for d in ("clean", "camera") for i in range(2)]
    return torch.stack(images), torch.tensor([0, 0, 1, 1])


@pytest.mark.training_outcome
def test_one_step_of_the_norm_term_shrinks_the_gap_of_the_batch_it_saw(tiny_world):
    """The gradient of the discrepancy closes the A/B norm gap of a real encoder: one small SGD
    step on the term alone leaves a quarter of it (0.26 measured); half is the bound."""
    images, domain = _fixed_mixed_batch(tiny_world)
    torch.manual_seed(0)
    encoder = build_task_network(NET, 11).train().encoder
    before = float(norm_discrepancy(encoder(images)[-1], domain).detach())
    optimizer = torch.optim.SGD(encoder.parameters(), lr=1e-3)
    norm_discrepancy(encoder(images)[-1], domain).backward()
    optimizer.step()
    after = float(norm_discrepancy(encoder(images)[-1], domain).detach())
    assert before > 1e-3 and after < 0.5 * before


def _train(world, run_dir, steps, **train_kw):
    return train_task_network("semantic", fixed_batch_data(world, ("clean", "camera")), network=NET,
                              train=fixed_batch_train(steps, **train_kw), runtime=RUNTIME, run_dir=run_dir)


@pytest.mark.training_outcome
def test_the_edge_head_trains_with_the_network_and_reloads(tiny_world, tmp_path):
    model = _train(tiny_world, tmp_path / "run", FIXED_STEPS, aux_edges=0.5)
    assert model.aux is not None
    edges, task, total = (logged(tmp_path / "run", c) for c in ("edge_loss", "task_loss", "loss"))
    assert len(edges) == FIXED_STEPS and fell(edges, to=0.8)  # the head learns the batch's edges
    # the logged loss is the task's plus the weighted edge term, at every step
    assert all(abs(t + 0.5 * e - s) < 1e-4 * s for t, e, s in zip(task, edges, total))
    reloaded, _, _ = load_task_network(tmp_path / "run")
    assert reloaded.aux is not None
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), reloaded.state_dict().values()))


@pytest.mark.training_outcome
def test_the_loop_adds_the_weighted_norm_term_of_each_batch(tiny_world, tmp_path):
    """N1's loss with norm_align: the task loss plus 10x the discrepancy of the batch's deepest
    features, the first step's computed from the seeded initial network."""
    _train(tiny_world, tmp_path / "aligned", 2, norm_align=10.0)
    gaps, task, total = (logged(tmp_path / "aligned", c) for c in ("norm_gap", "task_loss", "loss"))
    assert len(gaps) == 2 and all(abs(t + 10.0 * g - s) < 1e-4 * s for t, g, s in zip(task, gaps, total))
    images, domain = _fixed_mixed_batch(tiny_world)
    torch.manual_seed(RUNTIME.seed)  # the init of train_task_network
    first = build_task_network(NET, 11).train()
    with torch.no_grad():
        expected = float(norm_discrepancy(first.encoder(images)[-1], domain))
    assert expected > 1e-3 and abs(gaps[0] - expected) < 1e-3 * expected
