"""Training and evaluation on Lightning Fabric: one loop for every network of AT/DT."""

from atdt.engine.checkpoint import final_checkpoint, is_finished, load_checkpoint, save_checkpoint
from atdt.engine.evaluate import default_device, evaluate, mean_focal, predict
from atdt.engine.fabric import make_fabric
from atdt.engine.loop import NonFiniteLoss, fit
from atdt.engine.train_task import load_task_network, train_task_network

__all__ = [
    "NonFiniteLoss", "default_device", "evaluate", "final_checkpoint", "fit", "is_finished", "load_checkpoint",
    "load_task_network", "make_fabric", "mean_focal", "predict", "save_checkpoint", "train_task_network",
]
