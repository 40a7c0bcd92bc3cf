"""The shipped presets and studies: YAML files that ship with atdt as package data
(``src/atdt/experiments`` links to the top-level ``experiments/`` of a checkout; a wheel holds the
files themselves). A name is a file path as given, else a shipped file of that name."""

from __future__ import annotations

from pathlib import Path

EXPERIMENTS = ("tiny", "demo", "paper")  # experiment presets (`atdt run NAME`)
TRANSLATIONS = {"demo": "translate_demo", "paper": "translate_paper"}  # `atdt translate --preset NAME`


def experiments_dir() -> Path:
    return Path(__file__).resolve().parent / "experiments"


def studies_dir() -> Path:
    return experiments_dir() / "studies"


def resolve_shipped(name: str, folder: Path, what: str, shipped_as: str, choices: str) -> Path:
    """A YAML path as given, else ``folder/<name>.yaml`` shipped with atdt; the error lists ``choices``."""
    path = Path(name)
    if path.is_file():
        return path
    shipped = folder / f"{name}.yaml"
    if shipped.is_file():
        return shipped
    raise FileNotFoundError(f"no {what} file {name!r} and no {shipped_as} of that name ({choices})")


def resolve_experiment(name: str) -> Path:
    return resolve_shipped(name, experiments_dir(), "experiment", "preset", f"presets: {', '.join(EXPERIMENTS)}")


def resolve_translation(name: str) -> Path:
    """`atdt translate --preset`: demo, paper or a YAML file."""
    return resolve_shipped(TRANSLATIONS.get(name, name), experiments_dir(), "translation preset", "preset",
                           f"presets: {', '.join(TRANSLATIONS)}")


def resolve_study(name: str) -> Path:
    """A study file path, or the name of one under experiments/studies/."""
    choices = ", ".join(sorted(p.stem for p in studies_dir().glob("*.yaml"))) or "none"
    return resolve_shipped(name, studies_dir(), "study", "shipped study", f"shipped: {choices}")
