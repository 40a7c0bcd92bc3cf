"""Mixed-domain batches: equal shares of every domain, deterministic, disjoint across ranks."""

import pytest

from atdt.data.mixed import MixedSampler


def test_every_batch_holds_equal_shares():
    sampler = MixedSampler([10, 30], batch_size=4, seed=0)
    items = [i for i, _ in sampler]
    assert len(items) == sampler.batches_per_epoch * 4 == 60
    for b in range(0, len(items), 4):
        batch = items[b : b + 4]
        assert sum(i < 10 for i in batch) == 2 and sum(i >= 10 for i in batch) == 2
    assert {i for i in items if i >= 10} == set(range(10, 40))  # the larger domain is seen once per epoch


def test_deterministic_per_epoch_and_resumable():
    a, b = MixedSampler([8, 8], 4, seed=1), MixedSampler([8, 8], 4, seed=1)
    assert list(a) == list(b)
    full = list(a)
    b.set_position(0, start_batch=2)
    assert list(b) == full[8:]
    a.set_position(1)
    assert list(a) != full


def test_ranks_take_different_batches():
    r0 = [i for i, _ in MixedSampler([16], 2, seed=0, rank=0, world_size=2)]
    r1 = [i for i, _ in MixedSampler([16], 2, seed=0, rank=1, world_size=2)]
    assert not set(r0) & set(r1) and len(r0) == len(r1) == 8


@pytest.mark.parametrize("world_size", [2, 4])
def test_ranks_together_take_the_one_process_batches(world_size):
    """Under DDP the global batch (items and their augmentation seeds) is the one one process
    with the whole batch draws: more processes change nothing the network sees."""
    sizes, batch = [10, 30], 8
    one = list(MixedSampler(sizes, batch, seed=5))
    ranks = [list(MixedSampler(sizes, batch // world_size, seed=5, rank=r, world_size=world_size))
             for r in range(world_size)]
    share = batch // world_size
    assert sum(len(r) for r in ranks) == len(one)
    for b in range(len(one) // batch):
        together = [item for r in ranks for item in r[b * share : (b + 1) * share]]
        assert sorted(together) == sorted(one[b * batch : (b + 1) * batch])


def test_batch_must_split_evenly():
    with pytest.raises(ValueError, match="multiple"):
        MixedSampler([4, 4], 3)
