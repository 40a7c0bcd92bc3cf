"""What `make demo` says before it trains: the CPU, its measured step rate, the time it expects; a
bad override is one line, before anything is measured or trained."""

import re
import subprocess
import sys

from atdt.config import ExperimentConfig
from atdt.demo import OVERHEAD, print_expected_time
from atdt.engine.machine import cpu_name
from atdt.presets import experiments_dir
from atdt.typed_config import load_config


def test_the_demo_prints_the_step_rate_and_the_time_it_expects(capsys):
    configs = [load_config(ExperimentConfig, experiments_dir() / "demo.yaml", ["n1.steps=60", "n2.steps=30",
                                                                                "oracle.steps=30"])]
    print_expected_time(configs, seconds=0.5)
    out = capsys.readouterr().out
    found = re.search(r": ([\d.]+) training steps/s .*; 120 steps of task networks -> expect about (\d+) min", out)
    assert found and cpu_name() in out
    rate, minutes = float(found.group(1)), int(found.group(2))
    assert abs(minutes - 120 / rate * OVERHEAD / 60) <= 0.5  # the time those steps take at that rate


def test_a_bad_override_is_one_line_before_anything_is_measured(tiny_world, tmp_path):
    """`python -m atdt.demo network.encoder=nope` on data of its own: both configs are checked
    first, and the error is the command line's one line, not a traceback from the step-rate probe."""
    overrides = [f"domain_a.root={tiny_world / 'clean'}", f"domain_b.root={tiny_world / 'camera'}",
                 f"domain_b.depth_root={tiny_world / 'camera-proxy'}", f"out={tmp_path / 'runs'}", "network.encoder=nope"]
    done = subprocess.run([sys.executable, "-m", "atdt.demo", *overrides], capture_output=True, text=True, cwd=tmp_path,
                          timeout=300, check=False)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "atdt demo: error: invalid experiment config 'demo/dep2sem'" in done.stderr
    assert "network.encoder: unknown 'nope'" in done.stderr and "Traceback" not in done.stderr
    assert "steps/s" not in done.stdout and not (tmp_path / "data").exists()  # nothing measured, nothing rendered
