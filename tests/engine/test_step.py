"""LossStep, the step of every network but CycleGAN: Adam over the trainable parameters, the
schedule of its settings, gradients of one step at a time."""

import copy

import pytest
import torch

from atdt.config import OptimConfig, RuntimeConfig
from atdt.engine import make_fabric
from atdt.engine.step import LossStep


def _loss(model, batch):
    return (model(batch["x"]) - 1).pow(2).mean(), {}


def test_loss_step_trains_the_trainable_parameters_on_fresh_gradients():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Linear(2, 1))
    model[0].requires_grad_(False)
    step = LossStep(_loss, OptimConfig(lr=0.1, schedule="linear"), steps=4)
    optimizers, schedulers = step.configure(model)
    assert list(optimizers) == ["optimizer"] and list(schedulers) == ["scheduler"]
    assert optimizers["optimizer"].param_groups[0]["params"] == list(model[1].parameters())
    fabric = make_fabric(RuntimeConfig(accelerator="cpu", progress=False))
    wrapped, optimizer = fabric.setup(model, optimizers["optimizer"])
    frozen, batch = model[0].weight.clone(), {"x": torch.tensor([[1.0, 2.0], [3.0, -1.0]])}
    for index in range(2):
        start = copy.deepcopy(model)  # the weights this step starts from, and their gradient
        expected, _ = _loss(start, batch)
        expected.backward()
        loss, logs = step(fabric, wrapped, {"optimizer": optimizer}, batch, index)
        schedulers["scheduler"].step()
        assert logs == {} and float(loss.detach()) == pytest.approx(float(expected.detach()))
        assert torch.allclose(model[1].weight.grad, start[1].weight.grad)  # this step's alone: zeroed before backward
        assert not torch.equal(model[1].weight, start[1].weight)
    assert torch.equal(model[0].weight, frozen)
    assert schedulers["scheduler"].get_last_lr() == [pytest.approx(0.05)]  # linear over 4 steps, after 2


def test_loss_step_trains_only_the_parameters_it_is_given():
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Linear(2, 1))
    optimizers, _ = LossStep(_loss, OptimConfig(), steps=1, parameters=model[0].parameters()).configure(model)
    assert optimizers["optimizer"].param_groups[0]["params"] == list(model[0].parameters())
