"""The embedded procedural street world: ``DOMAINS`` and ``render``."""

from atdt.world.domains import DOMAINS as _PRESETS
from atdt.world.render import render

DOMAINS: tuple[str, ...] = tuple(_PRESETS)

__all__ = ["DOMAINS", "render"]
