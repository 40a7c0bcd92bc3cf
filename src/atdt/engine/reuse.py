"""When a trained network may be reused: one fingerprint rule for `atdt run` and `atdt train-task`.

A network's fingerprint hashes what changes its weights: the task, each training set (format,
resolved root, options, limit, proxy labels and a manifest of its files), the network and
training settings (train.class_balance where not 0), the seed and precision (and
runtime.sync_batchnorm where true), and the fingerprints of the networks it builds on (G: N1 and
N2). Logging, checkpoint frequency, data-loader workers, progress bars and the
evaluation splits change nothing trained, so they are left out. A run folder whose fingerprint
differs is moved aside (never deleted) and, if an earlier folder set aside holds the wanted
fingerprint, that one is moved back and reused. A network another experiment under the same
output folder already trained with the same fingerprint is adopted rather than retrained
(``adopt_finished``): N2 of vivid -> clean and of vivid -> camera is one network.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from atdt.config import DataConfig, RuntimeConfig, TrainConfig
from atdt.data.io import write_text
from atdt.data.manifest import data_manifest
from atdt.engine.checkpoint import final_checkpoint, is_finished, last_checkpoint
from atdt.typed_config import to_dict

COSMETIC_TRAIN = ("log_every", "ckpt_every", "num_workers")  # how often we look, not what is learnt
EVALUATION_DATA = ("val_split", "test_split")
LATER_TRAIN = {"class_balance": 0.0}  # settings added after fingerprints were stored: their default (off)
MARKER, INPUTS = "fingerprint.txt", "fingerprint.json"
# bump when evaluation or the layout of results.json changes: stored results are then recomputed
EVALUATION_VERSION = 2  # 2: semantic scores hold miou_thin


def _resolved(path) -> str | None:
    return None if path is None else str(Path(path).resolve())


def data_key(data: DataConfig, dataset) -> dict:
    """What a training set contributes to a fingerprint; ``dataset`` is the opened training split."""
    key = {k: v for k, v in to_dict(data).items() if k not in EVALUATION_DATA}
    key["root"], key["depth_root"] = _resolved(data.root), _resolved(data.depth_root)
    key["files"] = data_manifest(dataset, data.root)
    return key


def train_key(train: TrainConfig) -> dict:
    """The training settings a fingerprint hashes. A setting added later counts only where it is not
    at its default (``LATER_TRAIN``), so the fingerprints from before it stay."""
    return {k: v for k, v in to_dict(train).items()
            if k not in COSMETIC_TRAIN and not (k in LATER_TRAIN and v == LATER_TRAIN[k])}


def network_inputs(task: str, data: list[dict], network, train: TrainConfig, runtime: RuntimeConfig,
                   builds_on: tuple[str, ...] = ()) -> dict:
    """The declared inputs of one trained network (plain data; ``network`` a config or a dict).
    ``runtime.sync_batchnorm`` changes the batch-norm statistics under DDP: it counts where true,
    and is left out where false, so the fingerprints from before it counted stay."""
    return {"task": task, "data": list(data), "network": to_dict(network), "train": train_key(train),
            "seed": runtime.seed, "precision": runtime.precision, "builds_on": list(builds_on),
            **({"sync_batchnorm": True} if runtime.sync_batchnorm else {})}


def fingerprint(inputs: dict) -> str:
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()[:16]


def evaluation_key(name: str, methods, networks: dict[str, str], domains: dict[str, DataConfig],
                   eval_limit: int | None) -> str:
    """What a seed's scores depend on: the fingerprints of the networks they score, the methods,
    the domains' evaluation splits and how many of their images; a results.json holding the same
    key is reused rather than evaluated again (``atdt.method.experiment.run_seed``)."""
    splits = {d: {"name": c.name, "root": _resolved(c.root), "options": c.options,
                  **{k: getattr(c, k) for k in EVALUATION_DATA}} for d, c in domains.items()}
    return fingerprint({"version": EVALUATION_VERSION, "name": name, "methods": list(methods), "networks": networks,
                        "splits": splits, "eval_limit": eval_limit})


def _changes(old, new, where: str = "") -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        return [c for k in sorted(set(old) | set(new)) for c in _changes(old.get(k), new.get(k), f"{where}.{k}" if where else k)]
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [c for i, (a, b) in enumerate(zip(old, new)) for c in _changes(a, b, f"{where}[{i}]")]
    return [] if old == new else [where or "everything"]


def _aside(run_dir: Path, tag: str) -> Path:
    target, n = run_dir.with_name(f"{run_dir.name}.{tag}"), 1
    while target.exists():
        n += 1
        target = run_dir.with_name(f"{run_dir.name}.{tag}-{n}")
    return target


def prepare_run(run_dir, inputs: dict, print_fn=print, search_root=None) -> str:
    """Make ``run_dir`` hold the network of ``inputs``: keep it if the fingerprint matches (a
    finished network is reused, an unfinished one resumes), else move the old folder aside to
    ``<name>.<old fingerprint>`` and restore ``<name>.<new fingerprint>`` if one exists.
    With ``search_root``, a network with this fingerprint finished anywhere below it is adopted
    (``adopt_finished``). Under DDP rank 0 alone calls it (``atdt.engine.fabric.rank_zero_result``).
    Returns the fingerprint."""
    run_dir = Path(run_dir)
    fp = fingerprint(inputs)
    marker = run_dir / MARKER
    old = marker.read_text().strip() if marker.is_file() else None
    trained = (run_dir / "checkpoints").is_dir()
    if old != fp and (old is not None or trained):
        try:
            previous = json.loads((run_dir / INPUTS).read_text())
        except (OSError, ValueError):
            previous = None
        # compared as stored: JSON turns keys such as a stage number into strings
        stored = json.loads(json.dumps(inputs, default=str))
        changed = ", ".join(_changes(previous, stored)[:6]) if isinstance(previous, dict) else "no fingerprint"
        aside = _aside(run_dir, old or "unmarked")
        run_dir.rename(aside)
        print_fn(f"  {run_dir.name}: config or inputs changed ({changed}), rerunning; previous run kept in {aside}")
        keep = run_dir.with_name(f"{run_dir.name}.{fp}")
        if (keep / MARKER).is_file() and keep.joinpath(MARKER).read_text().strip() == fp:
            keep.rename(run_dir)
            print_fn(f"  {run_dir.name}: restored the earlier run with these inputs from {keep}")
    if not marker.is_file() or marker.read_text().strip() != fp:
        run_dir.mkdir(parents=True, exist_ok=True)
        write_text(run_dir / INPUTS, json.dumps(inputs, indent=1, sort_keys=True, default=str) + "\n")
        write_text(marker, fp + "\n")
    donor = adopt_finished(run_dir, fp, search_root) if search_root is not None else None
    state = f"reused (same inputs as {donor})" if donor else "reused" if is_finished(run_dir) else (
        "resuming" if last_checkpoint(run_dir).is_file() else "training")
    print_fn(f"  {run_dir.name}: {state}")
    return fp


def adopt_finished(run_dir, fp: str, search_root) -> Path | None:
    """Give ``run_dir`` the finished network of another run folder under ``search_root`` whose
    fingerprint is ``fp`` (its final checkpoint, config and logs; hard links where the disk
    allows), unless ``run_dir`` has trained or begun training itself. Returns the donor or None."""
    run_dir = Path(run_dir)
    if (run_dir / "checkpoints").is_dir():
        return None
    for marker in sorted(Path(search_root).rglob(MARKER)):
        donor = marker.parent
        if donor.resolve() == run_dir.resolve() or not is_finished(donor) or marker.read_text().strip() != fp:
            continue
        final, target = final_checkpoint(donor), final_checkpoint(run_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        staged = target.with_name("final.ckpt.adopting")  # a kill mid-copy leaves no final.ckpt
        staged.unlink(missing_ok=True)
        try:
            staged.hardlink_to(final)
        except OSError:
            shutil.copyfile(final, staged)
        for extra in ("config.yaml", "logs"):
            if (donor / extra).is_dir():
                shutil.copytree(donor / extra, run_dir / extra, dirs_exist_ok=True)
            elif (donor / extra).is_file():
                shutil.copyfile(donor / extra, run_dir / extra)
        staged.rename(target)
        return donor
    return None
