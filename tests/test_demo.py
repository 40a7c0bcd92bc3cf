"""What `make demo` says before it trains: the CPU, its measured step rate, the time it expects."""

import re

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
