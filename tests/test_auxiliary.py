"""The auxiliary edge task and the feature-norm discrepancy loss (atdt.auxiliary), and both
through the real training loop on tiny world data."""

import torch

from atdt.auxiliary import EDGE_FRACTION, edge_loss, image_edges, mean_feature_norm, norm_discrepancy
from atdt.config import NetworkConfig, OptimConfig, RuntimeConfig, TrainConfig
from atdt.data import load_dataset
from atdt.engine import load_task_network, train_task_network

NET = NetworkConfig(decoder_channels=(16, 16, 16))
RUNTIME = RuntimeConfig(progress=False, accelerator="cpu")


def test_edges_lie_on_the_step_of_a_two_tone_image_and_not_in_flat_parts():
    images = torch.zeros(2, 3, 32, 64)
    images[:, :, :, 32:] = 0.8  # a vertical step between columns 31 and 32
    images[1] += 0.02 * torch.randn_like(images[1])  # sensor noise is no edge
    edges = image_edges(images.clamp(0, 1))
    assert edges.shape == (2, 32, 64)
    for e in edges:
        columns = e.sum(dim=0).nonzero().flatten()
        assert columns.min() >= 29 and columns.max() <= 34  # only around the step
        assert e[:, 30:34].mean() > 0.5


def test_edge_density_is_the_same_whatever_the_contrast():
    torch.manual_seed(0)
    image = torch.rand(1, 3, 32, 64)
    dim = image * 0.2  # a dark, low-contrast copy
    assert torch.equal(image_edges(image), image_edges(dim))
    assert abs(float(image_edges(image).mean()) - EDGE_FRACTION) < 0.02


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


def test_minimising_the_discrepancy_shrinks_the_norm_gap_of_a_toy_encoder():
    torch.manual_seed(0)
    x = torch.cat([torch.rand(4, 3, 8, 8), 0.3 * torch.rand(4, 3, 8, 8)])  # B is darker: smaller features
    domain = torch.tensor([0] * 4 + [1] * 4)
    encoder = torch.nn.Conv2d(3, 8, 3, padding=1)
    optimizer = torch.optim.SGD(encoder.parameters(), lr=0.5)

    def norm_gap():
        norms = mean_feature_norm(encoder(x)).detach()
        return float((norms[:4].mean() - norms[4:].mean()).abs())

    before = norm_gap()
    for _ in range(30):
        optimizer.zero_grad()
        norm_discrepancy(encoder(x), domain).backward()
        optimizer.step()
    assert norm_gap() < 0.5 * before


def _train(world, run_dir, **train_kw):
    data = [load_dataset("world", world / "clean", "train"), load_dataset("world", world / "camera", "train")]
    train = TrainConfig(steps=8, batch_size=4, log_every=1, ckpt_every=100, flip=False, photometric=False,
                        optim=OptimConfig(lr=2e-3, schedule="constant"), **train_kw)
    return train_task_network("semantic", data, network=NET, train=train, runtime=RUNTIME, run_dir=run_dir)


def _column(run_dir, name):
    lines = (run_dir / "logs" / "train.csv").read_text().splitlines()
    index = lines[0].split(",").index(name)
    return [float(row.split(",")[index]) for row in lines[1:]]


def test_the_edge_head_trains_with_the_network_and_reloads(tiny_world, tmp_path):
    model = _train(tiny_world, tmp_path / "run", aux_edges=0.5)
    assert model.aux is not None
    edges = _column(tmp_path / "run", "edge_loss")
    assert len(edges) == 8 and sum(edges[-3:]) < sum(edges[:3])
    reloaded, _, _ = load_task_network(tmp_path / "run")
    assert reloaded.aux is not None
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), reloaded.state_dict().values()))


def _norm_gap(model, world):
    images = [torch.stack([load_dataset("world", world / d, "train")[i]["image"] for i in range(8)]) for d in ("clean", "camera")]
    with torch.no_grad():
        a, b = (mean_feature_norm(model.encoder(x)[-1]).mean() for x in images)
    return float((a - b).abs() / ((a + b) / 2))


def test_the_norm_term_shrinks_the_a_b_feature_norm_gap(tiny_world, tmp_path):
    plain = _train(tiny_world, tmp_path / "plain")
    aligned = _train(tiny_world, tmp_path / "aligned", norm_align=10.0)
    gaps = _column(tmp_path / "aligned", "norm_gap")
    assert len(gaps) == 8 and all(g >= 0 for g in gaps)
    assert _norm_gap(aligned, tiny_world) < _norm_gap(plain, tiny_world)
