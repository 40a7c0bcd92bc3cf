"""results.json and results.md of an experiment (one seed, or mean ± std over seeds).

The tables name each row by ``labels``: the display label of each key results.json uses (the
methods and their rows on A), which the caller gives (``atdt.method.methods.labels()``)."""

from __future__ import annotations

import json
import math
from pathlib import Path

from atdt.data.io import write_text
from atdt.report.tables import markdown_table
from atdt.tasks import TASKS


def rows(scores: dict, labels: dict[str, str], stds: dict | None = None, prefix: str = "") -> list[tuple]:
    """Table rows (label, scores, std) of ``scores`` (results key -> scores), labelled by ``labels``."""
    return [(prefix + labels.get(k, k), v, (stds or {}).get(k)) for k, v in scores.items()]


def scored_splits(results: dict) -> dict[str, str]:
    """The split of A and of B that ``results`` scored ("test", or "val" while choosing settings);
    results written before they recorded it scored the test splits."""
    return {"a": "test", "b": "test", **results.get("splits", {})}


def render_markdown(results: dict, labels: dict[str, str], stds: dict | None = None, figure_dir: str = "figures") -> str:
    """The tables of ``results`` (one seed's, or the aggregate with ``stds``); figures are linked
    from ``figure_dir`` relative to the markdown file."""
    task = results["task_target"]
    title = (f"{TASKS[results['task_source']].short} -> {TASKS[task].short}: A = {results['domain_a']}, "
             f"B = {results['domain_b']}")
    seeds = results.get("seeds", [results.get("seed")])
    split = scored_splits(results)
    lines = [f"# {results['name']}: {title}", "", f"Seeds: {', '.join(map(str, seeds))}"
             + (" (mean ± std)" if stds else ""), "", f"## {task} on B ({split['b']} split)", "",
             markdown_table(task, rows(results["methods"], labels, (stds or {}).get("methods")))]
    elsewhere = {k: d for k, d in results.get("tested_on", {}).items() if d != results["domain_b"]}
    if elsewhere:  # the CycleGAN methods: B's test images translated to look like A, B's labels
        lines += ["Tested on another version of B's test split (its images translated, its labels B's): "
                  + "; ".join(f"{labels.get(k, k)} on {d}" for k, d in elsewhere.items()) + ".", ""]
    if results.get("on_domain_a"):
        lines += [f"## {task} on A ({split['a']} split; supplementary Tab. 1-2)", "",
                  markdown_table(task, rows(results["on_domain_a"], labels, (stds or {}).get("on_domain_a")))]
    if "transfer_loss" in results:
        tl = results["transfer_loss"]
        lines += [f"Transfer loss ||G(E1(x)) - E2(x)||² : A val {tl['val_a']:.4f}, B test {tl['test_b']:.4f}", ""]
    if results.get("depth_scale", 1.0) != 1.0:
        lines += [f"Depth predictions of networks trained on A rescaled by f_B / f_A = {results['depth_scale']:.3f}.", ""]
    for fig in results.get("figures", []):
        lines += [f"![{Path(fig).stem}]({figure_dir}/{Path(fig).name})", ""]
    return "\n".join(lines)


def stored_results(folder: Path, key: str) -> dict | None:
    """The results.json of ``folder`` if it was evaluated with evaluation key ``key``, else None."""
    path = Path(folder) / "results.json"
    try:
        results = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return results if isinstance(results, dict) and results.get("evaluation") == key else None


def write_seed_results(results: dict, folder: Path, labels: dict[str, str]) -> None:
    folder = Path(folder)
    write_text(folder / "results.json", json.dumps(results, indent=2, default=float))
    write_text(folder / "results.md", render_markdown(results, labels))


def _mean_std(values: list):
    if isinstance(values[0], dict):
        pairs = {k: _mean_std([v[k] for v in values]) for k in values[0]}
        return {k: p[0] for k, p in pairs.items()}, {k: p[1] for k, p in pairs.items()}
    clean = [float(v) for v in values if not math.isnan(float(v))]
    if not clean:
        return math.nan, math.nan
    mean = sum(clean) / len(clean)
    std = (sum((v - mean) ** 2 for v in clean) / max(len(clean) - 1, 1)) ** 0.5 if len(clean) > 1 else 0.0
    return mean, std


def aggregate(per_seed: list[dict], root: Path) -> dict:
    """Mean ± std (sample std) over seeds of every metric the seeds' results hold; the first
    seed's figures stand for all."""
    first = per_seed[0]
    agg, stds = {k: first[k] for k in ("name", "task_source", "task_target", "domain_a", "domain_b")}, {}
    for key in ("tested_on", "splits"):
        if key in first:
            agg[key] = first[key]
    agg["seeds"] = [r["seed"] for r in per_seed]
    for key in ("methods", "on_domain_a", "transfer_loss"):
        if key in first:
            agg[key], stds[key] = _mean_std([r[key] for r in per_seed])
    agg["std"] = stds
    agg["depth_scale"] = first.get("depth_scale", 1.0)
    agg["folder"] = str(root)
    agg["figures"] = [f"seed{first['seed']}/figures/{Path(f).name}" for f in first.get("figures", [])]
    return agg


def write_aggregate(per_seed: list[dict], root: Path, labels: dict[str, str]) -> dict:
    """``aggregate`` into root/results.json|md."""
    agg = aggregate(per_seed, root)
    write_text(Path(root) / "results.json", json.dumps(agg, indent=2, default=float))
    write_text(Path(root) / "results.md", render_markdown(agg, labels, agg["std"], f"seed{per_seed[0]['seed']}/figures"))
    return agg
