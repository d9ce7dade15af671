"""Learning-rate schedules from scratch (d2l 11.11), as callables lr = scheduler(epoch).

Torch counterparts in ``torch.optim.lr_scheduler``: ``FactorScheduler`` is
``StepLR`` (``ExponentialLR`` when ``step_size=1``), ``MultiFactorScheduler``
is ``MultiStepLR``, ``CosineScheduler`` is ``CosineAnnealingLR`` (after a
``LinearLR`` warm-up joined by ``SequentialLR``), ``SquareRootScheduler`` is
a ``LambdaLR``. To drive a torch optimiser with one of these, set
``group["lr"] = scheduler(epoch)`` each epoch as the book does, or wrap it:
``LambdaLR(opt, lambda t: scheduler(t) / base_lr)``.

Where the book differs: its schedulers are stateful (``FactorScheduler``
multiplies its own ``base_lr`` on every call, so the first call already
returns ``base_lr * factor``); these are pure functions of the epoch that
return ``base_lr`` at epoch 0, as torch's schedulers do, and may be called
in any order. ``FactorScheduler`` gains torch's ``step_size``;
``CosineScheduler`` returns ``final_lr`` after ``max_update`` (torch's cosine
would rise again, the book's fails if first called there).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence

__all__ = ["CosineScheduler", "FactorScheduler", "MultiFactorScheduler", "SquareRootScheduler"]


class SquareRootScheduler:
    """lr / sqrt(t + 1): the decay rate under which SGD provably converges on convex problems."""

    def __init__(self, lr: float = 0.1) -> None:
        self.lr = lr

    def __call__(self, num_update: int) -> float:
        return self.lr * (num_update + 1.0) ** -0.5


class FactorScheduler:
    """Multiply the rate by ``factor`` every ``step_size`` epochs, never below ``stop_factor_lr``.

    lr(t) = max(stop_factor_lr, base_lr * factor ** (t // step_size)).
    """

    def __init__(
        self,
        factor: float = 1.0,
        stop_factor_lr: float = 1e-7,
        base_lr: float = 0.1,
        step_size: int = 1,
    ) -> None:
        if step_size < 1:
            raise ValueError(f"step_size must be at least 1, got {step_size}")
        self.factor, self.stop_factor_lr = factor, stop_factor_lr
        self.base_lr, self.step_size = base_lr, step_size

    def __call__(self, num_update: int) -> float:
        lr = self.base_lr * self.factor ** (num_update // self.step_size)
        return max(self.stop_factor_lr, lr)


class MultiFactorScheduler:
    """Piecewise constant: multiply the rate by ``factor`` at each epoch listed in ``step``.

    lr(t) = base_lr * factor ** (number of milestones <= t).
    """

    def __init__(self, step: Sequence[int], factor: float = 1.0, base_lr: float = 0.1) -> None:
        if list(step) != sorted(step):
            raise ValueError(f"step milestones must be increasing, got {list(step)}")
        self.step, self.factor, self.base_lr = list(step), factor, base_lr

    def __call__(self, epoch: int) -> float:
        return self.base_lr * self.factor ** bisect.bisect_right(self.step, epoch)


class CosineScheduler:
    """Linear warm-up to ``base_lr``, then half a cosine down to ``final_lr`` at ``max_update``.

    The warm-up keeps the first steps small while the parameters are still
    random and large steps would diverge; the cosine then decays slowly at
    first and last, fast in between.
    """

    def __init__(
        self,
        max_update: int,
        base_lr: float = 0.01,
        final_lr: float = 0.0,
        warmup_steps: int = 0,
        warmup_begin_lr: float = 0.0,
    ) -> None:
        if not 0 <= warmup_steps < max_update:
            raise ValueError(
                f"need 0 <= warmup_steps < max_update, got {warmup_steps} and {max_update}"
            )
        self.max_update, self.base_lr, self.final_lr = max_update, base_lr, final_lr
        self.warmup_steps, self.warmup_begin_lr = warmup_steps, warmup_begin_lr
        self.max_steps = max_update - warmup_steps  # length of the cosine part

    def get_warmup_lr(self, epoch: int) -> float:
        """The straight line from ``warmup_begin_lr`` at 0 to ``base_lr`` at ``warmup_steps``."""
        increase = (self.base_lr - self.warmup_begin_lr) * epoch / self.warmup_steps
        return self.warmup_begin_lr + increase

    def __call__(self, epoch: int) -> float:
        if epoch < self.warmup_steps:
            return self.get_warmup_lr(epoch)
        if epoch >= self.max_update:
            return self.final_lr
        progress = (epoch - self.warmup_steps) / self.max_steps  # 0 -> 1
        cosine = (1 + math.cos(math.pi * progress)) / 2  # 1 -> 0
        return self.final_lr + (self.base_lr - self.final_lr) * cosine
