"""Small pieces several subcommands share: dataset specs and config loading."""

from __future__ import annotations


def parse_data_spec(text: str) -> tuple[str, str, str]:
    """``NAME:ROOT[:SPLIT]`` -> (name, root, split); split defaults to test."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or not all(parts):
        raise ValueError(f"--data must look like NAME:ROOT[:SPLIT] (e.g. world:data/world/camera:test), got {text!r}")
    return parts[0], parts[1], parts[2] if len(parts) == 3 else "test"


def add_overrides(parser) -> None:
    parser.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="config overrides, e.g. train.steps=50")
