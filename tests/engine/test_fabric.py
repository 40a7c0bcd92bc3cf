"""make_fabric's DDP: two processes on CPU (gloo): rank 0's work and its errors reaching every process
(rank_zero_result), the loop's logs averaged over them; through the real command line: `atdt
train-task`, `atdt run` (launched by Fabric, and as two torchrun nodes on this machine)."""

import json
import os
import re
import subprocess
import sys

import pytest
from two_processes import run_two_ranks


# run by Fabric as two processes (it starts the second by running this file again)
SCRIPT = r'''
import csv, json, sys
from pathlib import Path

import torch

from atdt.config import CycleGANConfig, GANTrainConfig, OptimConfig, RuntimeConfig
from atdt.data.mixed import MixedSampler
from atdt.engine.fabric import make_fabric, rank_zero_result
from atdt.engine.loop import fit
from atdt.translation.train import train_cyclegan

out = Path(sys.argv[1])
fabric = make_fabric(RuntimeConfig(accelerator="cpu", devices=2, progress=False))
rank = fabric.global_rank
report = {"result": rank_zero_result(fabric, lambda: {"computed_on": fabric.global_rank})}

gan = out / "gan" / "checkpoints" / "final.ckpt"  # finished or not, CycleGAN refuses two processes
gan.parent.mkdir(parents=True, exist_ok=True)
gan.touch()
try:
    train_cyclegan(fabric, None, None, network=CycleGANConfig(), train=GANTrainConfig(), seed=0, run_dir=out / "gan")
except ValueError as err:
    report["cyclegan"] = str(err)


def fails():
    raise ValueError("split 'test' has no valid label")


try:
    rank_zero_result(fabric, fails)
except Exception as err:
    report["error"] = f"{type(err).__name__}: {err}"
fabric.barrier()  # both went on, in step


class Images(torch.utils.data.Dataset):  # items addressed by (index, seed), as TrainingSet's
    def __len__(self):
        return 8

    def __getitem__(self, item):
        return {"image": torch.rand(3, 4, 4, generator=torch.Generator().manual_seed(item[0]))}


def loss_fn(model, batch):
    return model(batch["image"]).square().mean(), {"rank": torch.tensor(float(rank))}


torch.manual_seed(0)
fit(fabric, torch.nn.Conv2d(3, 2, 1), loss_fn, Images(), steps=2, batch_size=2, optim=OptimConfig(), run_dir=out / "run",
    sampler=MixedSampler([8], 2, seed=0, rank=rank, world_size=2), log_every=1, progress=False)
if rank == 0:
    with (out / "run" / "logs" / "train.csv").open() as f:
        report["logged_rank"] = [float(row["rank"]) for row in csv.DictReader(f)]
(out / f"rank{rank}.json").write_text(json.dumps(report))
'''


def test_rank_zeros_work_and_its_errors_reach_every_process(tmp_path):
    """Rank 0 scores and writes alone: its result reaches the other process, and so does its
    error, at once (else the other waits at the next collective for its 30-minute timeout). The
    loop's other logged values are the mean over the processes, as the loss. CycleGAN refuses
    two processes, even with a finished run folder."""
    ranks = run_two_ranks(SCRIPT, tmp_path)
    assert ranks[0]["result"] == ranks[1]["result"] == {"computed_on": 0}
    assert ranks[0]["error"] == "ValueError: split 'test' has no valid label"
    assert ranks[1]["error"] == "RankZeroFailed: rank 0 stopped: ValueError: split 'test' has no valid label"
    assert ranks[0]["logged_rank"] == [0.5, 0.5]  # (0 + 1) / 2, not rank 0's 0
    for report in ranks:
        assert report["cyclegan"] == "CycleGAN trains on one device only, got 2 processes"


@pytest.mark.slow
def test_train_task_with_two_processes(tiny_world, tmp_path):
    config = tmp_path / "task.yaml"
    config.write_text(
        "task: depth\n"
        f"domains: [{{name: world, root: {tiny_world / 'clean'}}}]\n"
        "network: {decoder_channels: [16, 16, 16]}\n"
        "train: {steps: 4, batch_size: 4, log_every: 1, optim: {lr: 0.001}}\n"
        "runtime: {accelerator: cpu, progress: false}\n")
    out = tmp_path / "run"
    done = subprocess.run([sys.executable, "-m", "atdt", "train-task", str(config), "--devices", "2", "--out", str(out)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (out / "checkpoints" / "final.ckpt").is_file()
    assert "world_size=2" in done.stderr or "Initializing distributed: GLOBAL_RANK: 1" in done.stderr
    assert len(list((out / "logs" / "tensorboard").glob("events.out.tfevents.*"))) == 1  # rank 0 writes events
    metrics = json.loads((out / "metrics.json").read_text())
    assert "abs_rel" in next(iter(metrics.values()))


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tiny(tiny_world, out, *overrides):
    return ["tiny", f"domain_a.root={tiny_world / 'clean'}", f"domain_b.root={tiny_world / 'camera'}", f"out={out}",
            "runtime.accelerator=cpu", *overrides]


def _scores(out) -> dict:
    """results.json without what depends on the clock or the output folder."""
    results = json.loads((out / "tiny" / "seed0" / "results.json").read_text())
    return {k: v for k, v in results.items() if k not in ("timings_s", "folder", "figures", "config")}


NETWORK_LINE = re.compile(r"^  (\w+): the same weights and buffers on all 2 processes \(sha256 ([0-9a-f]{16})\)$", re.M)


@pytest.mark.slow
def test_run_on_two_processes_gives_one_answer(tiny_world, tmp_path):
    """`atdt run tiny runtime.devices=2`: every network is the same on both processes (checked by
    the loop when trained, by the runner when reused) and is the one saved; one summary is
    printed; and the same run launched as two torchrun "nodes" on 127.0.0.1 gives the same
    results.json and the same networks."""
    from atdt.engine.checkpoint import final_checkpoint, load_checkpoint
    from atdt.engine.replicas import state_digest

    fabric_out, nodes_out = tmp_path / "fabric", tmp_path / "nodes"
    runs = [subprocess.run([sys.executable, "-m", "atdt", "run", *_tiny(tiny_world, fabric_out, "runtime.devices=2")],
                           capture_output=True, text=True, timeout=600, check=False) for _ in range(2)]
    for done in runs:
        assert done.returncode == 0, done.stderr[-3000:]
    done, again = runs
    assert done.stdout.count("tiny: depth -> semantic") == 1 and done.stdout.count("  n1: training") == 1
    assert NETWORK_LINE.findall(done.stdout) == []  # trained here: the loop checked them (ReplicaMismatch else)
    digests = dict(NETWORK_LINE.findall(again.stdout))  # reused: checked once loaded
    assert sorted(digests) == ["n1", "n2", "oracle", "transfer"], again.stdout
    for folder, digest in digests.items():  # what every process held is what rank 0 saved
        assert state_digest(load_checkpoint(final_checkpoint(fabric_out / "tiny" / "seed0" / folder))["model"])[:16] \
            == digest

    port = _free_port()
    # two "nodes" on one machine: torchrun leaves each of them every core, where Fabric's own launch
    # above shares the cores out; one thread each, as there
    one_thread = {**os.environ, "OMP_NUM_THREADS": "1"}
    nodes = [subprocess.Popen([sys.executable, "-m", "torch.distributed.run", "--nnodes", "2", "--nproc-per-node", "1",
                               "--node-rank", str(rank), "--master-addr", "127.0.0.1", "--master-port", str(port),
                               "-m", "atdt", "run", *_tiny(tiny_world, nodes_out, "runtime.num_nodes=2")],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=one_thread)
             for rank in (0, 1)]
    outputs = [node.communicate(timeout=600) for node in nodes]
    assert [node.returncode for node in nodes] == [0, 0], outputs[0][1][-2000:] + outputs[1][1][-2000:]
    assert "tiny: depth -> semantic" in outputs[0][0] and outputs[1][0] == ""  # node 1 prints nothing
    for folder, digest in digests.items():
        assert state_digest(load_checkpoint(final_checkpoint(nodes_out / "tiny" / "seed0" / folder))["model"])[:16] \
            == digest
    assert _scores(nodes_out) == _scores(fabric_out)


@pytest.mark.slow
def test_two_processes_train_what_one_process_trains(tiny_world, tmp_path):
    """Without batch statistics (group norm) a 2-process N2 is the 1-process one up to the order of
    floating-point sums: the two processes together see exactly the one process's batches
    (measured on tiny: relative difference 8e-7, the same scores)."""
    import torch

    from atdt.engine.checkpoint import final_checkpoint, load_checkpoint

    runs = {}
    for devices in (1, 2):
        out = tmp_path / f"devices{devices}"
        command = _tiny(tiny_world, out, f"runtime.devices={devices}", "network.norm=group", "methods=[baseline]")
        done = subprocess.run([sys.executable, "-m", "atdt", "run", *command], capture_output=True, text=True,
                              timeout=600, check=False)
        assert done.returncode == 0, done.stderr[-3000:]
        state = load_checkpoint(final_checkpoint(out / "tiny" / "seed0" / "n2"))["model"]
        runs[devices] = torch.cat([v.double().flatten() for v in state.values() if v.is_floating_point()]), _scores(out)
    (one, one_scores), (two, two_scores) = runs[1], runs[2]
    assert float((two - one).norm() / one.norm()) < 1e-3
    for part in ("methods", "on_domain_a"):
        for method, scores in one_scores[part].items():
            for metric in ("miou", "acc"):
                assert two_scores[part][method][metric] == pytest.approx(scores[metric], abs=0.5)
