"""benchmarks/train_step.py refuses what it cannot measure, before it measures anything."""

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "train_step.py"


def test_profile_on_a_gpu_is_refused_as_a_usage_error():
    # the profile is of a CPU step: with --accelerator cuda it would have shown a CPU copy of the model
    done = subprocess.run([sys.executable, str(SCRIPT), "--accelerator", "cuda", "--profile", "--steps", "1"],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 2, done.stderr
    assert "--profile breaks down a step on the CPU only: use it with --accelerator cpu" in done.stderr
