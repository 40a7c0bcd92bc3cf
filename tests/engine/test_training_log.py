"""TensorBoard beside the CSV: every row's values as scalars of the same names and steps, the
colourised previews at checkpoints and at the end, a resumed run's steps logged once."""

import csv

import pytest
import torch
from tensorboard_events import read_events

from atdt.config import NetworkConfig, OptimConfig, RuntimeConfig, TrainConfig
from atdt.data import load_dataset
from atdt.engine import load_checkpoint, make_fabric, train_task_network
from atdt.engine.loop import fit
from atdt.engine.training_log import log_row

RUNTIME = RuntimeConfig(progress=False, accelerator="cpu")


def read_csv(run_dir) -> list[dict]:
    return list(csv.DictReader((run_dir / "logs" / "train.csv").open()))


def test_a_task_network_logs_its_csv_values_and_predictions(tiny_world, tmp_path):
    run = tmp_path / "run"
    data = [load_dataset("world", tiny_world / "clean", "train"), load_dataset("world", tiny_world / "camera", "train")]
    train = TrainConfig(steps=4, batch_size=4, log_every=1, ckpt_every=2, crop=(24, 48), optim=OptimConfig(lr=1e-3))
    train_task_network("semantic", data, network=NetworkConfig(decoder_channels=(16, 16, 16)), train=train,
                       runtime=RUNTIME, run_dir=run)
    rows = read_csv(run)
    assert {"loss", "lr", "seconds", "step_seconds"} <= set(rows[0])
    scalars, images = read_events(run)
    assert set(scalars) == set(rows[0]) - {"step"}  # every column but the step, under its own name
    for tag, values in scalars.items():
        assert [step for step, _ in values] == [1, 2, 3, 4], tag
        assert [v for _, v in values] == pytest.approx([float(r[tag]) for r in rows], rel=1e-6), tag  # float32 events
    assert all(v > 0 for _, v in scalars["step_seconds"])
    # image | prediction | label of each domain's first (uncropped 32x64) image, at the checkpoint and the end
    assert images == {f"predictions/world/{d}": [(2, 3 * 64, 32), (4, 3 * 64, 32)] for d in ("clean", "camera")}


def test_a_resumed_run_logs_each_step_once_in_the_csv_and_the_events(tmp_path):
    """Killed after logging past its checkpoint (step 3), the resumed run logs steps 4-6 again:
    the CSV drops the killed run's rows after the checkpoint and TensorBoard purges its events."""
    from atdt.data.mixed import MixedSampler

    class Data(torch.utils.data.Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, item):
            return {"x": torch.ones(2)}

    class Killed(Exception):
        pass

    calls = []

    def dies_at_step_6(m, batch):
        calls.append(1)
        if len(calls) == 6:
            raise Killed
        return m(batch["x"]).pow(2).mean() + 100.0, {}  # the killed run's values differ from the resumed run's

    def train(loss_fn):
        torch.manual_seed(0)
        fit(make_fabric(RUNTIME), torch.nn.Linear(2, 1), loss_fn, Data(), steps=6, batch_size=2, optim=OptimConfig(),
            run_dir=tmp_path, sampler=MixedSampler([4], 2), log_every=1, ckpt_every=3, progress=False)

    with pytest.raises(Killed):
        train(dies_at_step_6)  # rows logged for steps 1-5
    assert load_checkpoint(tmp_path / "checkpoints" / "last.ckpt")["step"] == 3
    train(lambda m, batch: (m(batch["x"]).pow(2).mean(), {}))
    rows = read_csv(tmp_path)
    assert [int(r["step"]) for r in rows] == [1, 2, 3, 4, 5, 6]
    seconds = [float(r["seconds"]) for r in rows]  # the resumed run counts on from its checkpoint
    assert all(b >= a for a, b in zip(seconds, seconds[1:])) and seconds[-1] > 0
    scalars, _ = read_events(tmp_path)
    assert [step for step, _ in scalars["loss"]] == [1, 2, 3, 4, 5, 6]
    losses = [v for _, v in scalars["loss"]]
    assert min(losses[:3]) > 100 > max(losses[3:])  # steps 4-5 are the resumed run's
    assert losses == pytest.approx([float(r["loss"]) for r in read_csv(tmp_path)], rel=1e-6)


def test_a_log_begun_with_other_columns_keeps_its_header(tmp_path):
    path = tmp_path / "train.csv"
    log_row(path, {"step": 1, "loss": 0.5})
    log_row(path, {"step": 2, "loss": 0.4, "seconds": 3.0})
    log_row(path, {"step": 3})
    assert path.read_text().splitlines() == ["step,loss", "1,0.5", "2,0.4", "3,"]


def test_a_link_planted_at_the_log_is_replaced_not_appended_through(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    log = tmp_path / "logs" / "train.csv"
    log.parent.mkdir()
    log.symlink_to(victim)
    log_row(log, {"step": 1, "loss": 0.5})
    log_row(log, {"step": 2, "loss": 0.25})
    assert victim.read_text() == "precious\n" and not log.is_symlink()
    assert log.read_text().splitlines() == ["step,loss", "1,0.5", "2,0.25"]
