"""The world commands as a user types them."""

import subprocess
import sys

from atdt.cli import main


def test_world_make_prints_a_summary(tmp_path, capsys):
    assert main(["world", "make", "--domain", "clean", "--count", "2", "--size", "32x64",
                 "--out", str(tmp_path), "--workers", "1", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "2 samples of clean/train" in out and "class pixel frequency" in out and "preview_train.png" in out


def test_world_list_and_bad_domain(tmp_path, capsys):
    assert main(["world", "list"]) == 0
    assert "camera" in capsys.readouterr().out
    assert main(["world", "make", "--domain", "moon", "--count", "1", "--out", str(tmp_path)]) == 2
    assert "clean, vivid, camera" in capsys.readouterr().err


def test_python_m_atdt_help_is_quick():
    # quick because it imports none of the heavy libraries; a wall-clock bound would flake on a busy machine
    heavy = ("torch", "torchvision", "matplotlib", "cv2", "sklearn")
    code = ("import runpy, sys\nsys.argv = ['atdt', '--help']\ntry:\n    runpy.run_module('atdt', run_name='__main__')\n"
            f"except SystemExit:\n    pass\nprint('imported:', *[m for m in {heavy!r} if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "train-task" in done.stdout, done.stderr
    assert done.stdout.splitlines()[-1] == "imported:"
