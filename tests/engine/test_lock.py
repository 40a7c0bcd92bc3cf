"""One writer per run folder: a live holder is named and refused or waited for, a killed one's lock
is taken over, the lock goes on any exit; every command that writes a run folder takes it, and two
real `atdt train-task` processes into one folder do not run at once."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from atdt.cli import main
from atdt.engine.lock import FolderLocked, folder_lock, lock_path

HOLD = """
import sys
from atdt.engine.lock import folder_lock
with folder_lock(sys.argv[1]):
    print("held", flush=True)
    sys.stdin.readline()
"""


def _env():
    return {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}


@pytest.fixture
def holder(tmp_path):
    """Start a real process holding the lock of a folder; stopped at the end of the test."""
    procs = []

    def hold(folder):
        proc = subprocess.Popen([sys.executable, "-c", HOLD, str(folder)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True, env=_env())
        procs.append(proc)
        assert proc.stdout.readline().strip() == "held"
        return proc

    yield hold
    for proc in procs:
        proc.kill()
        proc.wait()


def _pid_in(path):
    return json.loads(path.read_text())["pid"]


def test_a_live_holder_is_named_and_waited_for(holder, tmp_path):
    folder = tmp_path / "runs" / "exp"
    proc = holder(folder)
    assert _pid_in(lock_path(folder)) == proc.pid
    with pytest.raises(FolderLocked, match=f"PID {proc.pid} on .*--wait"), folder_lock(folder):
        pass
    assert proc.poll() is None and _pid_in(lock_path(folder)) == proc.pid  # the refusal took nothing away

    said = []

    def print_fn(message):  # the holder finishes only once we are waiting for it
        said.append(message)
        proc.stdin.write("done\n")
        proc.stdin.flush()

    with folder_lock(folder, wait=True, print_fn=print_fn) as path:
        assert proc.wait(timeout=60) == 0
        assert _pid_in(path) == os.getpid()
    assert len(said) == 1 and f"waiting for PID {proc.pid}" in said[0]
    assert not lock_path(folder).exists()


def test_a_killed_holders_lock_is_taken_over_and_said_to_be_stale(holder, tmp_path):
    folder = tmp_path / "run"
    proc = holder(folder)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert _pid_in(lock_path(folder)) == proc.pid  # a crash leaves the file behind
    said = []
    with folder_lock(folder, print_fn=said.append) as path:
        assert _pid_in(path) == os.getpid()
    assert len(said) == 1 and f"stale lock of PID {proc.pid}" in said[0]


def test_a_lock_file_naming_a_dead_pid_is_taken_over(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    folder = tmp_path / "run"
    folder.mkdir()
    lock_path(folder).write_text(json.dumps({"pid": int(dead.stdout), "host": "here", "command": "atdt run x"}))
    said = []
    with folder_lock(folder, print_fn=said.append):
        pass
    assert f"stale lock of PID {int(dead.stdout)}" in said[0] and not lock_path(folder).exists()


def test_the_lock_goes_on_any_exit_and_nests_within_a_process(tmp_path):
    folder = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt), folder_lock(folder):
        assert lock_path(folder).is_file()
        raise KeyboardInterrupt
    assert not lock_path(folder).exists()
    with folder_lock(folder):
        with folder_lock(tmp_path / "." / "run"):  # the same folder again (a study's point, say): no deadlock
            pass
        assert _pid_in(lock_path(folder)) == os.getpid()  # still held by the outer block
    assert not lock_path(folder).exists()


def test_workers_of_a_distributed_launch_run_under_their_launchers_lock(holder, tmp_path, monkeypatch):
    folder = tmp_path / "run"
    holder(folder)
    monkeypatch.setenv("LOCAL_RANK", "1")  # as Lightning's launcher starts the second process
    with folder_lock(folder) as path:
        assert path is None


PROBE = """
import sys
from atdt.engine.fabric import is_global_zero
from atdt.engine.lock import FolderLocked, folder_lock
try:
    with folder_lock(sys.argv[1]) as path:
        print("unlocked" if path is None else "held", is_global_zero())
except FolderLocked:
    print("refused", is_global_zero())
"""


def test_srun_tasks_other_than_the_first_run_under_the_first_ones_lock(holder, tmp_path):
    """`srun python -m atdt run ...` sets only SLURM's variables before Fabric starts: every task
    but the first is a worker, as Lightning's SLURMEnvironment will rank it, and takes no lock."""
    folder = tmp_path / "run"
    holder(folder)
    env = {k: v for k, v in _env().items() if not k.startswith("SLURM_") and k not in ("RANK", "LOCAL_RANK", "NODE_RANK")}
    cases = [({"SLURM_NTASKS": "2", "SLURM_PROCID": "1"}, "unlocked False"),  # srun's second task: rank 1 in Fabric
             ({"SLURM_NTASKS": "2", "SLURM_PROCID": "0"}, "refused True"),  # its first task locks as a plain command
             # a job named interactive is not srun's to Lightning: its processes are ranked otherwise
             ({"SLURM_NTASKS": "2", "SLURM_PROCID": "1", "SLURM_JOB_NAME": "interactive"}, "refused True")]
    probes = [subprocess.Popen([sys.executable, "-c", PROBE, str(folder)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env={**env, **slurm}) for slurm, _ in cases]
    for probe, (slurm, expected) in zip(probes, cases):
        out, err = probe.communicate(timeout=120)
        assert out.strip() == expected, f"{slurm}: {err[-2000:]}"


def test_run_and_translate_refuse_a_folder_another_process_writes(holder, tiny_overrides, tiny_world, tmp_path,
                                                                   capsys):
    proc = holder(tmp_path / "runs" / "tiny")
    assert main(["run", "tiny", *tiny_overrides]) == 1
    assert f"PID {proc.pid}" in capsys.readouterr().err
    assert not (tmp_path / "runs" / "tiny").exists()  # nothing trained or written

    proc = holder(tmp_path / "translate")
    assert main(["translate", f"world:{tiny_world / 'clean'}", f"world:{tiny_world / 'camera'}", "train.crop=[32,32]",
                 "--out", str(tmp_path / "translate"), "--quiet"]) == 1
    assert f"PID {proc.pid}" in capsys.readouterr().err
    assert not (tmp_path / "translate").exists()


def test_train_and_score_locks_its_run_folder_itself(holder, tiny_world, tmp_path):
    """`atdt train-task` as one function (engine.train_task.train_and_score) takes the lock, as
    run_experiment and run_translation do: a caller other than the command line is held to it."""
    from atdt.config import DataConfig, RuntimeConfig, TaskTrainConfig, TrainConfig
    from atdt.engine.train_task import train_and_score

    folder = tmp_path / "task"
    proc = holder(folder)
    cfg = TaskTrainConfig(task="depth", domains=(DataConfig(root=str(tiny_world / "clean")),),
                          train=TrainConfig(steps=1, batch_size=2), runtime=RuntimeConfig(accelerator="cpu", progress=False))
    with pytest.raises(FolderLocked, match=f"PID {proc.pid}"):
        train_and_score(cfg, folder, print_fn=lambda m: None)
    assert not folder.exists()  # nothing trained or written


def test_a_study_refuses_its_folder_and_its_points_folders(holder, tiny_overrides, tmp_path, capsys):
    study = tmp_path / "study.yaml"
    study.write_text("name: small\nbase: tiny\npoints:\n  - {name: p1, table: tab1, label: a}\n")
    proc = holder(tmp_path / "runs" / "small")
    assert main(["study", str(study), *tiny_overrides, "methods=[baseline]"]) == 1
    assert f"PID {proc.pid}" in capsys.readouterr().err
    proc.kill()
    proc.wait()
    proc = holder(tmp_path / "runs" / "small" / "p1")  # a plain `atdt run name=small/p1` writing a point
    assert main(["study", str(study), *tiny_overrides, "methods=[baseline]"]) == 1
    assert f"PID {proc.pid}" in capsys.readouterr().err
    assert not lock_path(tmp_path / "runs" / "small").exists()  # the study's own lock went with it


def _config(world, path):
    path.write_text(
        "task: depth\n"
        f"domains: [{{name: world, root: {world / 'clean'}}}]\n"
        "network: {decoder_channels: [8, 8, 8]}\n"
        "train: {steps: 100000, batch_size: 4, log_every: 1000, optim: {lr: 0.001}}\n"
        "runtime: {accelerator: cpu, progress: false}\n")
    return path


@pytest.mark.slow
def test_two_train_task_processes_into_one_folder(tiny_world, tmp_path):
    """A first `atdt train-task` trains (for ever, until killed); a second into the same folder
    refuses naming its PID; a third with --wait waits, and when the first is killed it takes the
    stale lock over and trains."""
    config, out = _config(tiny_world, tmp_path / "task.yaml"), tmp_path / "run"
    cmd = [sys.executable, "-m", "atdt", "train-task", str(config)]
    first_log, log = tmp_path / "first.log", tmp_path / "third.log"
    with first_log.open("w") as sink:
        first = subprocess.Popen([*cmd, "--out", str(out)], stdout=sink, stderr=subprocess.STDOUT, env=_env())
    try:
        lock, deadline = lock_path(out), time.time() + 300
        while not (lock.is_file() and lock.read_text().strip() and _pid_in(lock) == first.pid):
            assert first.poll() is None, first_log.read_text()[-3000:]
            assert time.time() < deadline, "the first run never took the lock"
            time.sleep(0.1)

        second = subprocess.run([*cmd, "--out", str(out)], capture_output=True, text=True, timeout=300, env=_env(),
                                check=False)
        assert second.returncode == 1 and f"PID {first.pid}" in second.stderr, second.stderr[-3000:]
        assert first.poll() is None and _pid_in(lock) == first.pid

        with log.open("w") as sink:
            third = subprocess.Popen([*cmd, "train.steps=2", "--out", str(out), "--wait"], stdout=sink,
                                     stderr=subprocess.STDOUT, env=_env())
        deadline = time.time() + 300
        while f"waiting for PID {first.pid}" not in log.read_text():
            assert third.poll() is None, log.read_text()[-3000:]
            assert time.time() < deadline, "the third run never waited"
            time.sleep(0.1)
        first.kill()  # a crash: the lock file stays, its flock goes
        first.wait()
        assert third.wait(timeout=300) == 0, log.read_text()[-3000:]
    finally:
        first.kill()
        first.wait()
    said = log.read_text()
    assert f"stale lock of PID {first.pid}" in said and "run folder:" in said
    assert (out / "checkpoints" / "final.ckpt").is_file() and not lock.exists()
