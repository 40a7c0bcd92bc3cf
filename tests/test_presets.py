"""The shipped presets and studies (atdt.presets) are package data: found from a checkout and from a wheel."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import atdt
from atdt.presets import experiments_dir, resolve_experiment, resolve_study

REPO = Path(__file__).resolve().parents[1]


def _shipped_files() -> set[str]:
    return {f"experiments/{p.relative_to(REPO / 'experiments').as_posix()}" for p in (REPO / "experiments").rglob("*.yaml")}


def test_presets_are_found_inside_the_package():
    package = Path(atdt.__file__).resolve().parent
    assert experiments_dir() == package / "experiments"
    assert resolve_experiment("demo") == package / "experiments" / "demo.yaml"
    assert resolve_study("reproduce") == package / "experiments" / "studies" / "reproduce.yaml"
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        pytest.skip("tomllib needs Python 3.11")
    globs = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["atdt"]
    assert {p.relative_to(package).as_posix() for g in globs for p in package.glob(g)} == _shipped_files()


@pytest.mark.slow
def test_a_wheel_holds_the_presets(tmp_path):
    source = tmp_path / "source"
    for name in ("src", "experiments"):
        shutil.copytree(REPO / name, source / name, symlinks=True,
                        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(tmp_path / "wheel"), str(source)], check=True, capture_output=True, timeout=300)
    (wheel,) = (tmp_path / "wheel").glob("atdt-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"atdt/{name}" for name in _shipped_files()} <= names
