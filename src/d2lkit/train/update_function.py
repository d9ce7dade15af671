"""An optimiser whose step is a function you wrote: the book's ``sgd`` or chapter 11's update.

The book trains with hand-written update functions (``updater(batch_size)``,
``trainer_fn(params, states, hyperparams)``). :class:`UpdateFunction` is a real
``torch.optim.Optimizer`` over the parameters the function updates, so the
Trainer, checkpoints and schedules treat it like any other: ``zero_grad``,
``param_groups`` and ``state_dict`` are torch's own; ``step`` calls the function.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import torch

__all__ = ["UpdateFunction"]


class UpdateFunction(torch.optim.Optimizer):
    """``step()`` calls ``update(1)`` (or ``update()`` when ``takes_batch_size`` is False).

    Why 1: the Trainer backpropagates the batch *mean*, where the book
    backpropagates the sum and divides by the batch size inside its ``sgd``:
    ``update(1)`` after the mean is the book's update after the sum.

    Args:
        params: the tensors the function updates in place (may be none: the book's
            plain-function nets close over tensors that no object lists).
        update: the function.
        lr: the learning rate it uses, for logs (``nan`` when unknown).
        takes_batch_size: call it with the batch size (the book's ``updater``).
    """

    def __init__(
        self,
        params: Iterable[torch.Tensor],
        update: Callable[..., Any],
        lr: float = float("nan"),
        takes_batch_size: bool = True,
    ) -> None:
        # one group, even when empty: a book net whose tensors live outside any module
        super().__init__([{"params": list(params)}], {"lr": lr})
        self.update = update
        self.takes_batch_size = takes_batch_size

    @torch.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        if self.takes_batch_size:
            self.update(1)
        else:
            self.update()
        return loss
