"""Small pieces several subcommands share: dataset specs, counts, output folders, overrides."""

from __future__ import annotations

import argparse
from pathlib import Path


def parse_data_spec(text: str) -> tuple[str, str, str]:
    """``NAME:ROOT[:SPLIT]`` -> (name, root, split); split defaults to test."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or not all(parts):
        raise ValueError(f"--data must look like NAME:ROOT[:SPLIT] (e.g. world:data/world/camera:test), got {text!r}")
    return parts[0], parts[1], parts[2] if len(parts) == 3 else "test"


def positive_int(text: str) -> int:
    """argparse type of every count (--workers, --limit, --count, --batch-size): an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {value}")
    return value


def positive_float(text: str) -> float:
    """argparse type of a factor (--depth-scale): a finite number > 0."""
    from atdt.typed_config import finite_positive

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a finite number > 0, got {text!r}") from None
    if not finite_positive(value):
        raise argparse.ArgumentTypeError(f"expected a finite number > 0, got {text}")
    return value


def output_folder(path: str | Path, flag: str = "--out") -> Path:
    """A folder to write into: created if missing; an existing file there is an error."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ValueError(f"{flag} {path} is an existing file, not a folder; give a folder to write into")
    path.mkdir(parents=True, exist_ok=True)
    return path


def add_overrides(parser) -> None:
    parser.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="config overrides, e.g. train.steps=50")


def add_wait(parser) -> None:
    parser.add_argument("--wait", action="store_true",
                        help="if another atdt process is writing the same folder, wait for it to finish "
                        "(default: stop, naming its PID)")
