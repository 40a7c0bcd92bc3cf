"""One seed of an experiment while its networks train: ``SeedRun`` (the config, the seed's
folder, the fabric, the training splits opened and the networks trained so far) and
``ensure_network``, which trains a network of ``atdt.method.network_table.NETWORKS`` on demand,
the networks it builds on and the makers of the domains it learns from first, reusing a finished
one with the same inputs (``atdt.engine.reuse``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from atdt.config import DataConfig, ExperimentConfig
from atdt.data import open_split
from atdt.engine.checkpoint import is_finished
from atdt.engine.fabric import rank_zero_result
from atdt.engine.replicas import check_replicas
from atdt.engine.reuse import data_key, prepare_run
from atdt.method.network_table import DERIVED, NETWORKS, folder_of
from atdt.method.network_types import TYPES, declare, declared_inputs


@dataclass
class SeedRun:
    """One seed of an experiment while its networks train: the config (runtime.seed = this seed),
    the seed's folder, the fabric, the training splits opened so far and the networks trained so
    far with their fingerprints and training times (seconds, by run folder)."""

    cfg: ExperimentConfig
    folder: Path
    fabric: Any
    print_fn: Callable = print
    networks: dict = field(default_factory=dict)
    fingerprints: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)
    splits: dict = field(default_factory=dict)  # domain -> (its training split, the split's data key)

    def domain(self, key: str) -> DataConfig:
        """Domain ``key``: the experiment's domain_a / domain_b, or a DERIVED one (its maker trained first)."""
        if key not in DERIVED:
            return self.cfg.domains[key]
        name = DERIVED[key].made_by
        ensure_network(name, self)
        net = NETWORKS[name]
        return TYPES[net.type].product(net, declare(name, self.cfg), self.cfg, self.folder / folder_of(name))

    def _opened(self, domain: str) -> tuple:
        if domain not in self.splits:  # opened once, when a network first needs it
            data = self.domain(domain)
            dataset = open_split(data, data.train_split, train=True)
            if domain in DERIVED:  # its files lie in this seed's folder: keyed by what made it, and from what
                made = DERIVED[domain]
                key = {"domain": domain, "made_by": self.fingerprints[made.made_by], "from": self.data_key(made.source)}
            else:
                key = data_key(data, dataset)
            self.splits[domain] = dataset, key
        return self.splits[domain]

    def train_set(self, domain: str):
        return self._opened(domain)[0]

    def data_key(self, domain: str) -> dict:
        return self._opened(domain)[1]


def ensure_network(name: str, run: SeedRun):
    """Network ``name`` of this seed, trained if need be (after the networks it builds on): a run
    folder holding it with the same inputs is reused, an unfinished one resumes, one with other
    inputs is moved aside (``atdt.engine.reuse.prepare_run``). Under DDP a reused network is
    checked to be the same on every process (a trained one is, by the loop)."""
    if name in run.networks:
        return run.networks[name]
    net, declared = NETWORKS[name], declare(name, run.cfg)
    builds_on = {b: ensure_network(b, run) for b in net.builds_on}
    data_keys = {x: run.data_key(x) for x in net.domains}  # a DERIVED domain's maker trains here, before the clock
    t0 = time.perf_counter()
    run_dir = run.folder / folder_of(name)
    kind = TYPES[net.type]
    inputs = (kind.inputs(net, declared, run, run_dir) if kind.inputs
              else declared_inputs(name, run.cfg, data_keys, run.fingerprints))
    # a network that another experiment under out/ trained with the same inputs is adopted
    fp = rank_zero_result(run.fabric, lambda: prepare_run(run_dir, inputs, run.print_fn, search_root=run.cfg.out))
    loaded = is_finished(run_dir)
    run.networks[name] = kind.train(net, declared, run, builds_on, run_dir)
    run.fingerprints[name] = fp
    run.timings[folder_of(name)] = time.perf_counter() - t0
    # every process must now hold the same network: one trained here was checked by the loop, which
    # ends giving every process rank 0's buffers; one loaded from its folder is checked here
    if run.fabric.world_size > 1 and loaded:
        digest = check_replicas(run.fabric, {folder_of(name): run.networks[name].state_dict()})[folder_of(name)]
        run.print_fn(f"  {folder_of(name)}: the same weights and buffers on all {run.fabric.world_size} processes "
                     f"(sha256 {digest[:16]})")
    return run.networks[name]
