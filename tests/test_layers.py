"""The package's layers (docs/architecture.md, "Layers"): every import of src/atdt, at module level
or inside a function, points to its own layer or one below, and no two modules import each other,
directly or round a loop. Read from the source with ``ast``, so an import that only runs in a
rarely taken branch counts as much as one at the top. docs/architecture.md lists the same layers."""

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
ARCHITECTURE = SRC.parent / "docs" / "architecture.md"

# bottom-up: a module may import from its own layer and the layers below. A key names a module or
# a package (all its modules); the longest key that names a module decides its layer.
LAYERS = [
    ("atdt", "atdt.config"),  # the package's version; what a config file can set (plain dataclasses)
    ("atdt.data",),  # datasets on disk: formats, label tables, files, transforms, mixed-domain batches
    ("atdt.typed_config", "atdt.presets"),  # configs from YAML and overrides; the shipped presets
    ("atdt.metrics",),  # accumulators
    ("atdt.tasks", "atdt.auxiliary", "atdt.stereo", "atdt.data.check", "atdt.data.partial"),  # what a task learns and scores
    ("atdt.world", "atdt.networks"),  # the embedded world (written in data's format); E, D, G, CycleGAN
    ("atdt.engine",),  # the training loop, evaluation, checkpoints, reuse, locks
    ("atdt.validate",),  # every value checked before anything trains
    ("atdt.report", "atdt.onnx_export"),  # tables, figures, results files; ONNX export
    ("atdt.translation",),  # CycleGAN between two domains, "B like A" (`atdt translate`)
    ("atdt.method",),  # the four steps, the NETWORKS and METHODS tables, the runners
    ("atdt.cli", "atdt.demo", "atdt.__main__"),  # argparse and printing
]
RANK = {key: rank for rank, keys in enumerate(LAYERS) for key in keys}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted((SRC / "atdt").rglob("*.py"))}


def layer(module: str) -> int:
    keys = [k for k in RANK if module == k or (k != "atdt" and module.startswith(k + "."))]
    assert keys, f"{module} is in no layer: add it to LAYERS"
    return RANK[max(keys, key=len)]


def imported(module: str) -> dict[str, int]:
    """The atdt modules ``module`` imports (-> the line of the first import), from anywhere in it:
    ``from atdt.data import load_dataset`` is atdt.data, ``from atdt.data import io`` atdt.data.io,
    relative imports resolved."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: dict[str, int] = {}
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        else:
            continue
        for target in targets:
            while target not in MODULES and "." in target:  # an attribute or a module outside atdt
                target = target.rpartition(".")[0]
            if target in MODULES and target != module:
                found.setdefault(target, node.lineno)
    return found


GRAPH = {m: imported(m) for m in MODULES}


def cycles(graph: dict[str, dict]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, found, counter = {}, {}, set(), [], [], [0]
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_module_imports_itself_round_a_loop():
    loops = cycles(GRAPH)
    assert not loops, "import cycles: " + "; ".join(
        " <-> ".join(c) + " (" + ", ".join(f"{a}:{GRAPH[a][b]} -> {b}" for a in c for b in GRAPH[a] if b in c) + ")"
        for c in loops)


def test_every_import_points_to_its_own_layer_or_below():
    up = [f"{m} (layer {layer(m)}) line {line} imports {t} (layer {layer(t)})"
          for m, targets in GRAPH.items() for t, line in targets.items() if layer(t) > layer(m)]
    assert not up, "imports pointing up:\n  " + "\n  ".join(up)


def test_the_checks_see_what_they_must():
    """The test itself: a cycle and an up-arrow are found, relative and in-function imports read."""
    assert cycles({"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}, "d": {"a": 1}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b": 1}, "b": {}}) == []
    assert layer("atdt.data.check") > layer("atdt.data.io") and layer("atdt") == 0
    assert "atdt.tasks" in GRAPH["atdt.world.writer"]  # imported inside a function
    assert layer("atdt.cli.run") == len(LAYERS) - 1


def test_the_architecture_page_lists_these_layers():
    """docs/architecture.md's "Layers" names the modules of each layer, in this order."""
    section = ARCHITECTURE.read_text().split("\n## Layers\n", 1)[1].split("\n## ", 1)[0]
    items = re.findall(r"^\d+\. (.*(?:\n   .*)*)", section, flags=re.M)
    named = [{k for k in ("atdt" if n == "atdt" else f"atdt.{n}" for n in re.findall(r"`([\w.]+)`", item)) if k in RANK}
             for item in items]
    assert named == [set(keys) for keys in LAYERS]
