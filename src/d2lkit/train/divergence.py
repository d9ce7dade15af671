"""Divergence: a training loss that blows up but stays finite is said, or stops the run.

A NaN or Inf loss stops the trainer by itself; a loss that explodes to 1e9
and stays finite does not (softmax regression at ``lr=1e10`` even keeps
"learning" at that scale). :class:`Divergence` watches each epoch's training
loss, as Lightning's early stopping does with ``check_finite`` and
``divergence_threshold``, against two marks:

- the run's starting loss: the first training batch's, the untrained model's
  own scale, so the check needs no unit (cross-entropy near ln(classes), a
  regression's MSE in its target's units). An epoch whose loss is more than
  ``factor`` times it has diverged: it is worse than not training at all.
  The first epoch's mean is no mark for this: at ``lr=1e10`` it is already
  1e9, and later epochs only fall from there.
- ``bound``, an absolute ceiling for losses of a known scale (default none:
  the book's house-price regression trains an MSE near 1e10 on raw prices).

Policies: ``"off"``, ``"warn"`` (the default: one warning, training goes on)
and ``"stop"`` (:class:`DivergenceError`, a :class:`~d2lkit.errors.D2lkitError`
with the fix, raised before a checkpoint of the diverged epoch is saved).
The message says what happened and whether a good checkpoint exists: it asks
the trainer's :class:`~d2lkit.train.callbacks.Checkpoint`, if any, for its
path, and looks whether the file is there.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, Any

from d2lkit.errors import ConfigError, D2lkitError
from d2lkit.train.callbacks import Callback, checkpoint_note

if TYPE_CHECKING:
    from d2lkit.train.tasks import Step
    from d2lkit.train.trainer import Trainer

__all__ = ["DIVERGENCE_POLICIES", "Divergence", "DivergenceError"]

log = logging.getLogger(__name__)

DIVERGENCE_POLICIES = ("off", "warn", "stop")
_FIX = (
    "lower the learning rate (--lr, e.g. 10 times lower) or clip gradients (--set "
    "train.grad_clip=1); --set train.divergence=off trains on regardless"
)


class DivergenceError(D2lkitError):
    """The training loss diverged and the policy is "stop"; ``epoch`` is the first bad one."""

    def __init__(self, message: str, fix: str, *, epoch: int, loss: float) -> None:
        super().__init__(message, fix)
        self.epoch = epoch
        self.loss = loss


class Divergence(Callback):
    """Say (or stop) when the training loss diverges while staying finite.

    Args:
        policy: "off", "warn" (default) or "stop".
        factor: an epoch's training loss more than this many times the first
            batch's (the untrained model's) has diverged.
        bound: an absolute ceiling on the training loss, or None (default).
        monitor: the history column watched (default ``train_loss``).
    """

    def __init__(
        self,
        policy: str = "warn",
        *,
        factor: float = 10.0,
        bound: float | None = None,
        monitor: str = "train_loss",
    ) -> None:
        if policy not in DIVERGENCE_POLICIES:
            raise ConfigError(
                f"train.divergence must be one of {', '.join(DIVERGENCE_POLICIES)}, got {policy!r}",
                fix="warn (the default) says it once; stop ends the run; off never checks",
            )
        if not (isinstance(factor, int | float) and math.isfinite(factor) and factor > 1):
            raise ConfigError(
                f"the divergence factor must be a finite number above 1, got {factor!r}",
                fix="e.g. 10: a loss ten times the untrained model's has diverged",
            )
        if bound is not None and not (isinstance(bound, int | float) and bound > 0):
            raise ConfigError(
                f"the divergence bound must be None or a positive number, got {bound!r}",
                fix="e.g. 1e6 for a loss of a known scale, or None",
            )
        self.policy, self.factor, self.bound, self.monitor = policy, factor, bound, monitor
        self.start: float | None = None  # the first training batch's loss: the scale reference
        self.warned = False

    def on_batch_end(self, trainer: Trainer, step: Step) -> None:
        if self.start is not None or self.policy == "off":
            return
        import torch

        loss = step.loss
        # (loss, 1) summed over processes under DDP: every rank gets the same mark, so a
        # "stop" is decided alike everywhere. One host wait, once per run.
        pair = torch.stack([loss.detach().float().mean(), torch.ones((), device=loss.device)])
        if trainer.reduce is not None:
            pair = trainer.reduce(pair)
        self.start = float(pair[0] / pair[1])

    def _problem(self, value: float) -> str | None:
        """Why ``value`` has diverged, in words; None if it has not."""
        if not math.isfinite(value):
            return f"is {value}"
        reasons = []
        if self.start is not None and self.start > 0 and value > self.factor * self.start:
            reasons.append(
                f"{value / self.start:.3g} times the first batch's {self.start:.4g} "
                f"(more than {self.factor:g} times: worse than the untrained model)"
            )
        if self.bound is not None and value > self.bound:
            reasons.append(f"above the bound of {self.bound:g}")
        return " and ".join(reasons) or None

    def on_epoch_end(self, trainer: Trainer) -> None:
        if self.policy == "off":
            return
        row = trainer.history[-1]
        value = row.get(self.monitor)
        if not isinstance(value, int | float):
            return
        problem = self._problem(float(value))
        if problem is None:
            return
        epoch = int(row.get("epoch", trainer.epoch))
        what = (
            f"the training loss diverged: epoch {epoch}'s {self.monitor} is {value:.4g}, {problem}"
        )
        note = checkpoint_note(trainer)
        if self.policy == "stop":  # before the Checkpoint callback (order 100) saves this epoch
            raise DivergenceError(
                f"{what}; stopped after epoch {epoch}; {note}", _FIX, epoch=epoch, loss=value
            )
        if not self.warned:
            self.warned = True
            if trainer.is_main:
                later = (
                    "; training goes on, and later checkpoints hold the diverged weights"
                    if "the last good one" in note
                    else ""
                )
                log.warning("%s; %s%s (fix: %s)", what, note, later, _FIX)

    def state_dict(self) -> dict[str, Any]:
        return {"start": self.start, "warned": self.warned}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        start = state.get("start")
        self.start = float(start) if isinstance(start, int | float) else None
        self.warned = bool(state.get("warned", False))
