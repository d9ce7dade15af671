"""A task whose steps are functions of the batch: for models that compute their own loss.

Some models define what a batch means themselves: d2l 1.0's ``Module`` has
``training_step(batch) -> loss`` and ``validation_step(batch)`` (as
Lightning's modules do). :class:`StepFunctions` lets :class:`~d2lkit.train.Trainer`
run such models: the functions produce the loss, the Trainer still does
everything around it (devices, memory format, optimiser, clipping, mixed
precision, callbacks, timing, the non-finite check).

>>> task = StepFunctions(model.training_step, model.validation_step)
>>> Trainer(model, loss=None, optimizer=opt, task=task).fit(train, valid, epochs=3)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from d2lkit.errors import ConfigError
from d2lkit.metric import LOSS
from d2lkit.train.tasks import Step, Task

__all__ = ["StepFunctions"]

Batch = Sequence[Any]


def _rows(batch: Batch) -> int:
    """Examples in a batch: the length of its first tensor (1 for a batch of one scalar)."""
    for item in batch:
        if isinstance(item, torch.Tensor):
            return int(item.shape[0]) if item.dim() else 1
    return 1


class StepFunctions(Task):
    """``train_step(batch)`` returns the loss to backpropagate; ``eval_step(batch)`` may return one.

    The reported figure is the loss, a mean over examples (the rows of the
    batch's first tensor), for the splits where the functions return one; an
    ``eval_step`` that returns None (it only records, e.g. plots) reports nothing.

    Args:
        train_step: called on every training batch (gradients on, model in train mode).
        eval_step: called on every evaluation batch (no gradients, eval mode); None
            evaluates nothing but still iterates the loader.
    """

    metrics = (LOSS,)
    plot = ("*_loss",)

    def __init__(
        self,
        train_step: Callable[[Batch], Any],
        eval_step: Callable[[Batch], Any] | None = None,
    ) -> None:
        self.train_step = train_step
        self.eval_step = eval_step
        self.training = True

    def start(self, training: bool) -> None:
        self.training = training

    def step(self, model: Callable[..., Any], loss_fn: Any, batch: Batch) -> Step:
        n = _rows(batch)
        if self.training:
            loss = self.train_step(batch)
            if not isinstance(loss, torch.Tensor):
                raise ConfigError(
                    f"the training step returned {type(loss).__name__}, not the loss tensor",
                    fix="return the loss (a scalar tensor) from training_step",
                )
            loss = loss.mean() if loss.dim() else loss
            return Step(loss, n, {"loss": loss.detach().float() * n}, None, batch)
        out = self.eval_step(batch) if self.eval_step is not None else None
        if isinstance(out, torch.Tensor) and out.numel() == 1:
            loss = out.detach().reshape(()).float()
            return Step(loss, n, {"loss": loss * n}, None, batch)
        return Step(torch.zeros(()), n, {}, None, batch)

    def __repr__(self) -> str:
        name = getattr(self.train_step, "__qualname__", repr(self.train_step))
        return f"StepFunctions({name})"
