"""One network however many processes: the state digest, the replica check across two real gloo
processes, and ``fit`` ending with every process holding what rank 0 saved."""

import pytest
import torch
from two_processes import run_two_ranks

from atdt.engine.replicas import state_digest


def _net():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4))


def test_digest_is_the_tensors_bits():
    a, b = _net(), _net()
    assert state_digest(a.state_dict()) == state_digest(b.state_dict())
    b[1].running_mean[0] += 1e-6  # a buffer counts as much as a weight
    assert state_digest(a.state_dict()) != state_digest(b.state_dict())
    b.load_state_dict(a.state_dict())
    assert state_digest(a.state_dict()) == state_digest(b.state_dict())
    assert state_digest(a.state_dict()) != state_digest(a.double().state_dict())  # same values, other dtype
    assert state_digest({"x": torch.zeros(2, 3)}) != state_digest({"x": torch.zeros(3, 2)})
    assert state_digest({"x": torch.zeros(2)}) != state_digest({"y": torch.zeros(2)})


def test_digests_keep_their_values():
    """The replica check and the checkpoint seal hash tensors through one helper; the values are
    pinned: a sealed file written by an earlier atdt must still verify."""
    from atdt.engine.checkpoint import payload_digest

    w = {"w": torch.arange(6, dtype=torch.float32).reshape(2, 3), "n": torch.tensor(3),
         "h": torch.arange(2, dtype=torch.bfloat16)}
    assert state_digest(w) == "6b99a29dce99aa3c67f9f2be30761e7008b7302f27a543aa6ea14c5d38e2d7f1"
    payload = {"model": w, "config": {"a": [1, 2.5, None, "x"]}, "step": 3}
    assert payload_digest(payload) == "447b3859536911a08a78b399b3d185802c8c92680cfac743bea924dd880935d4"


# run by Fabric as two processes (it starts the second by running this file again)
SCRIPT = r'''
import json, sys
from pathlib import Path

import torch

from atdt.config import OptimConfig, RuntimeConfig
from atdt.data.mixed import MixedSampler
from atdt.engine.checkpoint import final_checkpoint, load_checkpoint
from atdt.engine.fabric import make_fabric
from atdt.engine.loop import fit
from atdt.engine.replicas import ReplicaMismatch, check_replicas, state_digest, sync_buffers

out = Path(sys.argv[1])
fabric = make_fabric(RuntimeConfig(accelerator="cpu", devices=2, progress=False))
rank = fabric.global_rank
report = {}

# a buffer that differs on one process is found by every process, and rank 0's is then everyone's
torch.manual_seed(0)
bn = torch.nn.BatchNorm2d(3)
bn.running_mean += rank
try:
    check_replicas(fabric, {"bn": bn.state_dict()})
    report["mismatch"] = None
except ReplicaMismatch as err:
    report["mismatch"] = str(err)
sync_buffers(fabric, bn)
report["after_sync"] = check_replicas(fabric, {"bn": bn.state_dict()})["bn"]


class Images(torch.utils.data.Dataset):  # items addressed by (index, seed), as TrainingSet's
    def __len__(self):
        return 16

    def __getitem__(self, item):
        g = torch.Generator().manual_seed(item[0])
        return {"image": torch.rand(3, 8, 8, generator=g), "target": torch.rand(4, 6, 6, generator=g)}


torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4))  # BN: buffers DDP leaves apart
sampler = MixedSampler([16], 2, seed=0, rank=rank, world_size=2)
fit(fabric, model, lambda m, b: (torch.nn.functional.mse_loss(m(b["image"]), b["target"]), {}), Images(),
    steps=3, batch_size=2, optim=OptimConfig(lr=0.1), run_dir=out / "run", sampler=sampler, progress=False)
report["fit"] = state_digest(model.state_dict())
report["saved"] = state_digest(load_checkpoint(final_checkpoint(out / "run"))["model"])
(out / f"rank{rank}.json").write_text(json.dumps(report))
'''


@pytest.mark.slow
def test_two_processes_hold_one_network(tmp_path):
    ranks = run_two_ranks(SCRIPT, tmp_path)
    for report in ranks:  # both processes raise: neither goes on alone
        assert report["mismatch"] is not None and "bn" in report["mismatch"]
    assert ranks[0]["after_sync"] == ranks[1]["after_sync"]
    # after fit every process holds the weights and batch-norm statistics rank 0 saved
    assert ranks[0]["fit"] == ranks[1]["fit"] == ranks[0]["saved"] == ranks[1]["saved"]
