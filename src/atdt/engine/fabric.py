"""Lightning Fabric from a RuntimeConfig: devices, DDP, precision; seeding."""

from __future__ import annotations

from atdt.config import RuntimeConfig


def make_fabric(runtime: RuntimeConfig):
    from lightning_fabric import Fabric

    strategy = runtime.strategy
    if strategy == "auto" and runtime.devices * runtime.num_nodes > 1:
        strategy = "ddp"  # launches one process per device (gloo on CPU, NCCL on GPUs)
    fabric = Fabric(accelerator=runtime.accelerator, devices=runtime.devices, num_nodes=runtime.num_nodes,
                    strategy=strategy, precision=runtime.precision)
    fabric.launch()
    fabric.seed_everything(runtime.seed, verbose=False)
    return fabric
