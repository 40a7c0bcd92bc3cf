"""Learning-rate schedules: the factor of the base lr at the first, middle and last steps."""

import pytest
import torch

from atdt.engine.schedule import lr_factor

# (schedule, steps) -> {step: factor}; the loop's last optimiser step is steps - 1, and steps itself
# (or beyond, on a resumed run) must stay at the end value
CASES = {
    ("poly", 10): {0: 1.0, 5: 0.5**0.9, 9: 0.1**0.9, 10: 0.0, 12: 0.0},  # 0.5 ** 0.9 = 0.535887
    ("linear", 10): {0: 1.0, 5: 0.5, 9: 0.1, 10: 0.0, 12: 0.0},
    ("constant", 10): {0: 1.0, 5: 1.0, 9: 1.0, 10: 1.0},
    # warm-up over int(0.3 * 20) = 6 steps from 0.04 to the peak 1.0, then half a cosine over 14 steps
    ("onecycle", 20): {0: 0.04, 3: 0.52, 6: 1.0, 13: 0.5, 19: 0.5 * (1 - 0.9749279), 20: 0.0, 25: 0.0},
}


@pytest.mark.parametrize("schedule, steps", list(CASES))
def test_factor_at_first_middle_and_last_steps(schedule, steps):
    f = lr_factor(schedule, steps)
    for step, expected in CASES[schedule, steps].items():
        assert f(step) == pytest.approx(expected, abs=1e-6), step


def test_poly_uses_its_power():
    assert lr_factor("poly", 4, power=2.0)(2) == pytest.approx(0.25)
    assert lr_factor("poly", 4, power=1.0)(1) == pytest.approx(0.75)


def test_onecycle_peaks_at_the_end_of_warm_up_and_decays_monotonically():
    f = lr_factor("onecycle", 20)
    values = [f(s) for s in range(21)]
    assert max(values) == values[6] == pytest.approx(1.0)
    assert all(a < b for a, b in zip(values[:6], values[1:7]))
    assert all(a >= b for a, b in zip(values[6:], values[7:]))


@pytest.mark.parametrize("schedule", ["poly", "linear", "constant", "onecycle"])
def test_zero_steps_gives_a_finite_factor(schedule):
    assert lr_factor(schedule, 0)(0) == pytest.approx(1.0 if schedule != "onecycle" else 0.04)


def test_through_torch_lambda_lr_the_optimiser_sees_the_factor_times_the_base_lr():
    w = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([w], lr=0.1)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_factor("linear", 4))
    seen = []
    for _ in range(4):  # as the training loop: step the optimiser, then the scheduler
        seen.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    assert seen == pytest.approx([0.1, 0.075, 0.05, 0.025])


def test_an_unknown_schedule_lists_the_choices():
    with pytest.raises(ValueError, match="cosine.*poly, linear, onecycle, constant"):
        lr_factor("cosine", 10)
