"""scratch schedules give the learning rates of torch.optim.lr_scheduler's equivalents.

Torch's schedulers update the rate recursively (``lr *= gamma`` each step),
these compute it in closed form, so values agree to rounding, not bit for
bit. Where torch has no exact equivalent, the formula is tested on known
values instead: ``FactorScheduler``'s floor ``stop_factor_lr`` (torch's
``StepLR`` has none) and ``CosineScheduler`` past ``max_update`` (torch's
``CosineAnnealingLR`` turns back up after ``T_max``; the book's stays at
``final_lr``). ``LinearLR`` cannot start from 0, so the warm-up is compared
from a small positive ``warmup_begin_lr`` and checked at 0 on known values.
"""

from __future__ import annotations

import math

import pytest
import torch
from torch.optim import lr_scheduler

from d2lkit import scratch

TOL = dict(rel=1e-9, abs=1e-12)  # float64 Python floats; recursive vs closed-form products


def _torch_lrs(base_lr: float, make, epochs: int) -> list[float]:
    """The rate a torch scheduler sets for each of ``epochs`` epochs, epoch 0 first."""
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=base_lr)
    sched = make(opt)
    lrs = []
    for _ in range(epochs):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return lrs


@pytest.mark.parametrize(
    ("factor", "step_size", "base_lr"),
    [(0.9, 1, 0.1), (0.5, 1, 2.0), (0.5, 3, 0.3), (0.1, 10, 1.0)],
)
def test_factor_scheduler_matches_step_lr(factor, step_size, base_lr):
    ours = scratch.FactorScheduler(
        factor=factor, stop_factor_lr=0.0, base_lr=base_lr, step_size=step_size
    )
    theirs = _torch_lrs(base_lr, lambda o: lr_scheduler.StepLR(o, step_size, gamma=factor), 30)
    assert [ours(t) for t in range(30)] == pytest.approx(theirs, **TOL)
    if step_size == 1:
        exp = _torch_lrs(base_lr, lambda o: lr_scheduler.ExponentialLR(o, gamma=factor), 30)
        assert [ours(t) for t in range(30)] == pytest.approx(exp, **TOL)


def test_factor_scheduler_stops_at_stop_factor_lr():
    ours = scratch.FactorScheduler(factor=0.5, stop_factor_lr=0.01, base_lr=0.1)
    assert [ours(t) for t in range(7)] == pytest.approx(
        [0.1, 0.05, 0.025, 0.0125, 0.01, 0.01, 0.01], **TOL
    )


@pytest.mark.parametrize(
    ("milestones", "factor", "base_lr"),
    [([15, 30], 0.5, 0.5), ([1, 2, 3], 0.1, 1.0), ([10], 0.3, 0.05)],
)
def test_multi_factor_scheduler_matches_multi_step_lr(milestones, factor, base_lr):
    ours = scratch.MultiFactorScheduler(step=milestones, factor=factor, base_lr=base_lr)
    theirs = _torch_lrs(base_lr, lambda o: lr_scheduler.MultiStepLR(o, milestones, factor), 40)
    assert [ours(t) for t in range(40)] == pytest.approx(theirs, **TOL)


def test_multi_factor_scheduler_reproduces_the_books_schedule():
    ours = scratch.MultiFactorScheduler(step=[15, 30], factor=0.5, base_lr=0.5)
    assert (ours(0), ours(14), ours(15), ours(29), ours(30), ours(49)) == pytest.approx(
        (0.5, 0.5, 0.25, 0.25, 0.125, 0.125), **TOL
    )


@pytest.mark.parametrize(
    ("max_update", "base_lr", "final_lr"), [(20, 0.3, 0.01), (50, 0.1, 0.0), (7, 1.0, 0.5)]
)
def test_cosine_scheduler_without_warmup_matches_cosine_annealing_lr(max_update, base_lr, final_lr):
    ours = scratch.CosineScheduler(max_update, base_lr=base_lr, final_lr=final_lr)
    theirs = _torch_lrs(
        base_lr,
        lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=max_update, eta_min=final_lr),
        max_update + 1,
    )  # up to T_max; then it rises
    assert [ours(t) for t in range(max_update + 1)] == pytest.approx(theirs, **TOL)


@pytest.mark.parametrize(
    ("max_update", "warmup", "base_lr", "begin", "final_lr"),
    [(20, 5, 0.3, 0.003, 0.01), (30, 10, 0.1, 0.05, 0.0), (12, 1, 1.0, 0.2, 0.1)],
)
def test_cosine_scheduler_with_warmup_matches_linear_lr_then_cosine_annealing_lr(
    max_update, warmup, base_lr, begin, final_lr
):
    ours = scratch.CosineScheduler(
        max_update, base_lr=base_lr, final_lr=final_lr, warmup_steps=warmup, warmup_begin_lr=begin
    )

    def make(opt):
        ramp = lr_scheduler.LinearLR(
            opt, start_factor=begin / base_lr, end_factor=1.0, total_iters=warmup
        )
        cosine = lr_scheduler.CosineAnnealingLR(opt, T_max=max_update - warmup, eta_min=final_lr)
        return lr_scheduler.SequentialLR(opt, [ramp, cosine], milestones=[warmup])

    theirs = _torch_lrs(base_lr, make, max_update + 1)
    assert [ours(t) for t in range(max_update + 1)] == pytest.approx(theirs, **TOL)


def test_cosine_scheduler_hits_its_known_values():
    ours = scratch.CosineScheduler(20, base_lr=0.3, final_lr=0.01, warmup_steps=5)
    assert ours(0) == 0.0  # warmup_begin_lr; torch's LinearLR cannot start at 0
    assert ours(1) == pytest.approx(0.06, **TOL)
    assert ours(5) == pytest.approx(0.3, **TOL)
    assert ours(5 + 15 / 2) == pytest.approx((0.3 + 0.01) / 2, **TOL)  # half-way down
    assert ours(20) == pytest.approx(0.01, **TOL)
    assert ours(21) == ours(1000) == 0.01  # stays at final_lr, unlike CosineAnnealingLR
    assert ours(1000) == ours(1000)  # pure: calling in any order gives the same answer


def test_square_root_scheduler_matches_lambda_lr():
    ours = scratch.SquareRootScheduler(lr=0.1)
    theirs = _torch_lrs(0.1, lambda o: lr_scheduler.LambdaLR(o, lambda t: (t + 1) ** -0.5), 20)
    assert [ours(t) for t in range(20)] == pytest.approx(theirs, **TOL)
    assert ours(3) == pytest.approx(0.05, **TOL)


def test_scheduler_drives_a_torch_optimizer_through_lambda_lr():
    ours = scratch.CosineScheduler(
        10, base_lr=0.2, final_lr=0.02, warmup_steps=2, warmup_begin_lr=0.0
    )
    theirs = _torch_lrs(0.2, lambda o: lr_scheduler.LambdaLR(o, lambda t: ours(t) / 0.2), 15)
    assert theirs == pytest.approx([ours(t) for t in range(15)], **TOL)


def test_schedulers_reject_inconsistent_settings():
    with pytest.raises(ValueError, match="warmup_steps"):
        scratch.CosineScheduler(10, warmup_steps=10)
    with pytest.raises(ValueError, match="increasing"):
        scratch.MultiFactorScheduler(step=[30, 15])
    with pytest.raises(ValueError, match="step_size"):
        scratch.FactorScheduler(step_size=0)


def test_cosine_formula_is_half_a_cosine():
    ours = scratch.CosineScheduler(100, base_lr=1.0, final_lr=0.0)
    for t in (0, 13, 50, 77, 100):
        assert ours(t) == pytest.approx((1 + math.cos(math.pi * t / 100)) / 2, **TOL)
