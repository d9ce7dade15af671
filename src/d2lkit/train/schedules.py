"""Learning-rate schedules by name (d2l 11.11), stepped per epoch or per optimiser step.

>>> sched = build_scheduler("cosine", optimizer, total=10, warmup=2, final_lr=0.01)

``total`` is how many times the schedule will be stepped in the run: epochs
for ``interval="epoch"``, optimiser steps for ``interval="step"``; ``warmup``,
``step_size`` and ``milestones`` count in the same unit. Torch's schedulers do
the work; the ``*_scratch`` names drive a torch optimiser with the book's
from-scratch schedules of :mod:`d2lkit.scratch.schedules` (``LambdaLR``), so
both can be compared in one run.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch.optim import lr_scheduler

from d2lkit import scratch
from d2lkit.errors import ConfigError
from d2lkit.registry import Registry

__all__ = ["INTERVALS", "SCHEDULES", "SPANS_THE_RUN", "build_scheduler"]

INTERVALS = ("epoch", "step")
# Schedules whose shape is drawn over ``total``: stepping them past it is wrong.
SPANS_THE_RUN = frozenset({"cosine", "cosine_scratch", "onecycle"})

Scheduler = lr_scheduler.LRScheduler
Builder = Callable[..., Scheduler]

SCHEDULES: Registry[Builder] = Registry("schedule")


def _base_lr(optimizer: torch.optim.Optimizer) -> float:
    return float(optimizer.param_groups[0]["lr"])


def _scratch(
    optimizer: torch.optim.Optimizer, schedule: Callable[[int], float], lag: int = 0
) -> Scheduler:
    """Drive ``optimizer`` by a from-scratch schedule; the first ``lag`` intervals keep its lr.

    ``lag=1`` is the book's 11.11 loop: it sets epoch e's rate to ``schedule(e - 1)``
    only after epoch e - 1, so its first epoch runs at the optimiser's own lr.
    """
    base = _base_lr(optimizer)
    return lr_scheduler.LambdaLR(optimizer, lambda t: 1.0 if t < lag else schedule(t - lag) / base)


@SCHEDULES.register("factor")
def _factor(
    optimizer: torch.optim.Optimizer, total: int, *, factor: float = 0.1, step_size: int = 1
) -> Scheduler:
    """lr × factor every ``step_size`` intervals (torch ``StepLR``)."""
    return lr_scheduler.StepLR(optimizer, step_size=step_size, gamma=factor)


@SCHEDULES.register("multifactor")
def _multifactor(
    optimizer: torch.optim.Optimizer,
    total: int,
    *,
    factor: float = 0.1,
    milestones: Sequence[int] = (),
) -> Scheduler:
    """lr × factor at each milestone (torch ``MultiStepLR``)."""
    return lr_scheduler.MultiStepLR(optimizer, milestones=list(milestones), gamma=factor)


@SCHEDULES.register("cosine")
def _cosine(
    optimizer: torch.optim.Optimizer, total: int, *, warmup: int = 0, final_lr: float = 0.0
) -> Scheduler:
    """Linear warm-up over ``warmup`` intervals, then a half cosine down to ``final_lr``."""
    cosine = lr_scheduler.CosineAnnealingLR(
        optimizer, T_max=max(total - warmup, 1), eta_min=final_lr
    )
    if warmup <= 0:
        return cosine
    ramp = lr_scheduler.LinearLR(optimizer, start_factor=1.0 / (warmup + 1), total_iters=warmup)
    return lr_scheduler.SequentialLR(optimizer, [ramp, cosine], milestones=[warmup])


@SCHEDULES.register("onecycle")
def _onecycle(
    optimizer: torch.optim.Optimizer, total: int, *, max_lr: float | None = None
) -> Scheduler:
    """Up to ``max_lr`` (default: the optimiser's lr), then down (torch ``OneCycleLR``)."""
    return lr_scheduler.OneCycleLR(
        optimizer, max_lr=max_lr or _base_lr(optimizer), total_steps=total
    )


@SCHEDULES.register("square_root_scratch")
def _square_root_scratch(
    optimizer: torch.optim.Optimizer,
    total: int,
    *,
    lag: int = 0,
    start_lr: float | None = None,
) -> Scheduler:
    """The book's ``SquareRootScheduler``: start_lr / sqrt(t + 1)."""
    schedule = scratch.SquareRootScheduler(start_lr or _base_lr(optimizer))
    return _scratch(optimizer, schedule, lag)


@SCHEDULES.register("factor_scratch")
def _factor_scratch(
    optimizer: torch.optim.Optimizer,
    total: int,
    *,
    factor: float = 0.1,
    step_size: int = 1,
    stop_lr: float = 1e-7,
    lag: int = 0,
) -> Scheduler:
    """The book's ``FactorScheduler`` (never below ``stop_lr``)."""
    schedule = scratch.FactorScheduler(factor, stop_lr, _base_lr(optimizer), step_size)
    return _scratch(optimizer, schedule, lag)


@SCHEDULES.register("multifactor_scratch")
def _multifactor_scratch(
    optimizer: torch.optim.Optimizer,
    total: int,
    *,
    factor: float = 0.1,
    milestones: Sequence[int] = (),
    lag: int = 0,
) -> Scheduler:
    """The book's ``MultiFactorScheduler``."""
    schedule = scratch.MultiFactorScheduler(list(milestones), factor, _base_lr(optimizer))
    return _scratch(optimizer, schedule, lag)


@SCHEDULES.register("cosine_scratch")
def _cosine_scratch(
    optimizer: torch.optim.Optimizer,
    total: int,
    *,
    warmup: int = 0,
    final_lr: float = 0.0,
    lag: int = 0,
) -> Scheduler:
    """The book's ``CosineScheduler`` with a linear warm-up from 0."""
    schedule = scratch.CosineScheduler(total, _base_lr(optimizer), final_lr, warmup)
    return _scratch(optimizer, schedule, lag)


def build_scheduler(
    name: str, optimizer: torch.optim.Optimizer, total: int, **settings: Any
) -> Scheduler:
    """The schedule called ``name`` over ``total`` intervals, with its own ``settings``.

    Each schedule's settings and their defaults are its builder's keyword
    arguments (``d2lkit show`` lists them); one it does not take is refused.
    """
    builder = SCHEDULES.get(name)
    takes = [p for p in inspect.signature(builder).parameters if p not in ("optimizer", "total")]
    unknown = sorted(set(settings) - set(takes))
    if unknown:
        raise ConfigError(
            f"schedule {name!r} takes no setting {', '.join(unknown)}",
            fix=f"its settings are: {', '.join(takes) or 'none'}",
        )
    if total < 1:
        raise ConfigError(f"a schedule needs at least one interval, got total={total}")
    try:
        return builder(optimizer, total, **settings)
    except (ValueError, TypeError) as exc:  # torch's own checks, e.g. warmup >= total
        raise ConfigError(f"schedule {name!r}: {exc}", fix="check the sched.* settings") from None
