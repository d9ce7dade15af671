"""Optimisers from scratch (d2l 3.2 and chapter 11), as ``torch.optim.Optimizer`` s.

Torch counterparts: ``torch.optim.SGD`` (and its friends in chapter 11).

Subclassing ``Optimizer`` keeps the update rule, the one line that matters,
next to the bookkeeping torch already does well: parameter groups,
``zero_grad`` and ``state_dict`` for checkpoints.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch

__all__ = ["SGD", "sgd"]


@torch.no_grad()
def sgd(params: Iterable[torch.Tensor], lr: float, batch_size: int = 1) -> None:
    """The book's ``sgd``: p <- p - lr * grad / batch_size, then zero the gradient.

    ``batch_size`` is there because the book sums the loss over a batch; with a
    mean loss (as in ``nn.CrossEntropyLoss``) leave it at 1.
    """
    for p in params:
        if p.grad is not None:
            p.sub_(p.grad, alpha=lr / batch_size)
            p.grad.zero_()


class SGD(torch.optim.Optimizer):
    """Minibatch stochastic gradient descent: p <- p - lr * grad."""

    def __init__(self, params: Iterable[torch.Tensor], lr: float) -> None:
        if lr <= 0:
            raise ValueError(f"lr must be positive, got {lr}")
        super().__init__(params, {"lr": lr})

    @torch.no_grad()
    def step(self, closure: Callable[[], torch.Tensor] | None = None) -> torch.Tensor | None:
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.sub_(p.grad, alpha=group["lr"])
        return loss
