"""Typed configs from plain data: frozen dataclasses built from dicts, YAML files and ``key=value``
overrides, and written back.

``from_dict`` builds a dataclass tree from plain data and fails loudly on a key the dataclass
does not declare, naming the key and the valid choices. ``load_config`` reads a YAML file (which
states only what differs from the defaults, and may name a ``base:`` file) and applies
command-line overrides such as ``n1.steps=300`` or ``domain_b.limit=200``. YAML is read by
``load_yaml``, which refuses aliases that expand beyond ``MAX_YAML_NODES`` values before expanding
them. The schema itself, what an experiment can set, is ``atdt.config``.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

import yaml

from atdt.data.io import write_text

T = TypeVar("T")
INT_LIMIT = 2**63  # integers beyond int64 overflow in torch and numpy


class ConfigError(ValueError):
    """A config file or override that does not fit the typed schema."""


MAX_YAML_NODES = 100_000  # values a YAML text may expand to through its aliases (a config has a few hundred)


def _children(node) -> list:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def _check_expansion(root, source) -> None:
    """ConfigError if the composed YAML (aliases are shared nodes) would expand to more than
    MAX_YAML_NODES values, or refers to itself: counted once per node over the graph, so
    nested anchors (a "billion laughs") are refused before anything expands them."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()  # on the current path: meeting one again is a cycle
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            open_nodes.discard(id(node))
            sizes[id(node)] = 1 + sum(sizes[id(c)] for c in _children(node))
            if sizes[id(node)] > MAX_YAML_NODES:
                raise ConfigError(f"{source}: its YAML aliases expand to more than {MAX_YAML_NODES} values (nested "
                                  "anchors); refusing to expand it")
            continue
        if id(node) in sizes:
            continue
        open_nodes.add(id(node))
        stack.append((node, True))
        for child in _children(node):
            if id(child) in open_nodes:
                raise ConfigError(f"{source}: a YAML alias refers to a value that contains it (a recursive structure)")
            if id(child) not in sizes:
                stack.append((child, False))


def finite_positive(value) -> bool:
    """Whether ``value`` is a finite number > 0 (a bool is not a number here): the rule of every
    factor and rate, a learning rate in a config as a depth scale in a predictor file."""
    return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value) and value > 0


def load_yaml(text: str, source, what: str = "invalid YAML") -> Any:
    """``yaml.safe_load`` with bounded resources: the document is composed, its expanded size
    checked (``_check_expansion``), then built. Errors are ConfigError naming ``source`` (and
    where a syntax error lies: line and column)."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_expansion(node, source)
        return loader.construct_document(node)
    except yaml.YAMLError as err:
        raise ConfigError(f"{source}: {what}: {_yaml_problem(err)}") from None
    except RecursionError:
        raise ConfigError(f"{source}: YAML nested too deeply") from None
    finally:
        loader.dispose()


def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _strip_optional(tp: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return tp, False


def _convert(tp: Any, value: Any, where: str) -> Any:
    tp, optional = _strip_optional(tp)
    if value is None:
        if optional:
            return None
        raise ConfigError(f"{where}: None is not allowed")
    if dataclasses.is_dataclass(tp):
        if isinstance(value, tp):
            return value
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a mapping for {tp.__name__}, got {value!r}")
        return from_dict(tp, value, where)
    origin = typing.get_origin(tp)
    if origin is tuple:
        args = typing.get_args(tp)
        if isinstance(value, str):
            value = [v for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple)):
            value = [value]
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_convert(args[0], v, f"{where}[{i}]") for i, v in enumerate(value))
        if len(args) != len(value):
            raise ConfigError(f"{where}: expected {len(args)} values, got {list(value)!r}")
        return tuple(_convert(a, v, f"{where}[{i}]") for i, (a, v) in enumerate(zip(args, value)))
    if tp is dict or origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a mapping, got {value!r}")
        return dict(value)
    if tp is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no"):
            return value.lower() in ("true", "1", "yes")
        raise ConfigError(f"{where}: expected true/false, got {value!r}")
    if tp in (int, float):
        if isinstance(value, (bool, dict, list, tuple)):
            raise ConfigError(f"{where}: expected {tp.__name__}, got {value!r}")
        try:
            converted = tp(value)
        except (TypeError, ValueError, OverflowError):  # OverflowError: int(.inf)
            raise ConfigError(f"{where}: expected {'an integer' if tp is int else 'a number'}, got {value!r}") from None
        if tp is int and not -INT_LIMIT <= converted < INT_LIMIT:
            raise ConfigError(f"{where}: expected an integer in the int64 range (below 2**63 in size), got {value!r}")
        if tp is int and float(value) != converted:
            raise ConfigError(f"{where}: expected an integer, got {value!r}")
        if tp is float and not math.isfinite(converted):  # no setting means anything at inf or nan
            raise ConfigError(f"{where}: expected a finite number, got {value!r}")
        return converted
    if tp is str:
        if isinstance(value, (dict, list, tuple)):  # `name.foo=1` would otherwise name a folder "{'foo': 1}"
            raise ConfigError(f"{where}: expected a string, got {value!r}")
        return str(value)
    return value


def from_dict(cls: type[T], data: dict, where: str = "") -> T:
    """Build dataclass ``cls`` from ``data``; unknown keys raise ConfigError naming them."""
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        prefix = f"{where}." if where else ""
        raise ConfigError(
            f"unknown config key(s) {', '.join(prefix + k for k in unknown)} for {cls.__name__}; "
            f"valid keys: {', '.join(sorted(names))}"
        )
    hints = _hints(cls)
    kwargs = {k: _convert(hints[k], v, f"{where}.{k}" if where else k) for k, v in data.items()}
    return cls(**kwargs)


def to_dict(config: Any) -> Any:
    """Plain, YAML-safe data (tuples become lists) for any config dataclass."""
    if dataclasses.is_dataclass(config):
        return {f.name: to_dict(getattr(config, f.name)) for f in dataclasses.fields(config)}
    if isinstance(config, (list, tuple)):
        return [to_dict(v) for v in config]
    if isinstance(config, dict):
        return {k: to_dict(v) for k, v in config.items()}
    return config


def parse_override(text: str) -> tuple[list[str], Any]:
    """``"n1.optim.lr=1e-3"`` -> (["n1", "optim", "lr"], 0.001); values are parsed as YAML."""
    if "=" not in text:
        raise ConfigError(f"override {text!r} is not of the form key=value")
    key, raw = text.split("=", 1)
    if not key:
        raise ConfigError(f"override {text!r} has an empty key")
    return key.split("."), load_yaml(raw, f"override {text!r}", what="the value is not valid YAML") if raw else ""


def _yaml_problem(err) -> str:
    mark = getattr(err, "problem_mark", None)
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    return f"{problem}, line {mark.line + 1}, column {mark.column + 1}" if mark is not None else problem


def read_yaml(path: Path):
    """The plain data of a YAML file (``load_yaml``); ConfigError naming the file if it is not text."""
    try:
        text = Path(path).read_text()
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a text file (a YAML config was expected)") from None
    return load_yaml(text, path)


def apply_overrides(data: dict, overrides: list[str]) -> dict:
    """Set nested keys of a plain dict from ``key=value`` strings (validation happens in from_dict)."""
    data = dict(data)
    for text in overrides:
        path, value = parse_override(text)
        node = data
        for part in path[:-1]:
            child = node.get(part)
            node[part] = dict(child) if isinstance(child, dict) else {}
            node = node[part]
        node[path[-1]] = value
    return data


def _merge(base: dict, update: dict) -> dict:
    out = dict(base)
    for k, v in update.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def load_config(cls: type[T], path: str | Path | None = None, overrides: list[str] = (), _chain: tuple = ()) -> T:
    """Defaults of ``cls`` <- YAML file (may name a ``base:`` file beside it) <- overrides."""
    data: dict = {}
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise ConfigError(f"config file {path} does not exist" + (f" (the base of {_chain[-1]})" if _chain else ""))
        data = read_yaml(path) or {}
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: the top level must be a mapping")
        base = data.pop("base", None)
        if base is not None:
            base_data = to_dict(load_config(cls, _base_file(path, base, _chain), _chain=(*_chain, path)))
            data = _merge(base_data, data)
    data = apply_overrides(data, list(overrides))
    return from_dict(cls, data)


def _base_file(path: Path, base, chain: tuple) -> Path:
    """The file ``base:`` names, beside ``path``; a chain that comes back to a file is an error."""
    if not isinstance(base, str) or not base.strip():
        raise ConfigError(f"{path}: base: must name a YAML file beside it (e.g. base: demo.yaml), got {base!r}")
    target = path.parent / base
    seen = [*chain, path]
    if target.is_file() and any(target.resolve() == p.resolve() for p in seen):
        cycle = " -> ".join(str(p) for p in [*seen, target])
        raise ConfigError(f"{path}: base: {base} makes a cycle ({cycle})")
    return target


def save_config(config: Any, path: str | Path) -> None:
    write_text(path, yaml.safe_dump(to_dict(config), sort_keys=False))
