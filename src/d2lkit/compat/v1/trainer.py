"""d2l 1.0's ``Trainer``, whose epochs run in d2lkit's :class:`~d2lkit.train.Trainer`.

The book writes ``fit`` as a loop over ``fit_epoch`` and installs methods on
the class as chapters go (``fit_epoch`` in 3.4, ``prepare_batch`` and
``prepare_model`` in 6.7, ``clip_gradients`` in 9.5). This facade keeps that
shape and binds late: ``fit`` calls ``self.fit_epoch()``, and the default
``fit_epoch`` runs one epoch of a d2lkit ``Trainer`` whose task
(:class:`~d2lkit.train.step_functions.StepFunctions`) calls, on every batch,

- ``self.prepare_batch(batch)`` then ``self.model.training_step(batch)`` (training),
- ``self.prepare_batch(batch)`` then ``self.model.validation_step(batch)`` (validation),

and whose optimiser adapter calls ``self.clip_gradients(...)`` between the
backward pass and the step when ``gradient_clip_val > 0``. Each of these is
looked up on the instance when it is called, so a method a section installs
with ``add_to_class`` (or a subclass overrides) is the one that runs, also for
objects made before. A section that replaces ``fit_epoch`` itself runs its own
loop instead. d2lkit's Trainer contributes the rest: device placement, the
NHWC memory format for large images on a CPU, timing and the non-finite check.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, cast

import torch
from torch import nn

from d2lkit.compat.v1.devices import gpu, num_gpus
from d2lkit.compat.v1.hyperparameters import HyperParameters
from d2lkit.train import Callback
from d2lkit.train import Trainer as Engine
from d2lkit.train.step_functions import StepFunctions
from d2lkit.train.tasks import Step

__all__ = ["BookOptimizer", "Trainer"]


class BookOptimizer:
    """The part of ``torch.optim.Optimizer`` d2lkit's Trainer uses, around the book's optimisers.

    The book's own optimisers (3.4's ``SGD``) take no argument in ``zero_grad``
    and have no ``param_groups``; its loop steps under ``torch.no_grad()`` and
    clips right before stepping. So: ``zero_grad()`` is called without
    arguments, ``step()`` runs ``before_step`` (the clipping) and the wrapped
    ``step()`` under ``no_grad``, and ``param_groups`` come from the wrapped
    optimiser or are made from its ``params`` and ``lr``.
    """

    def __init__(self, optim: Any, before_step: Callable[[], Any] | None = None) -> None:
        self.optim = optim
        self.before_step = before_step

    @property
    def param_groups(self) -> list[dict[str, Any]]:
        groups = getattr(self.optim, "param_groups", None)
        if groups:
            return cast(list[dict[str, Any]], groups)
        params = list(getattr(self.optim, "params", ()))
        return [{"params": params, "lr": getattr(self.optim, "lr", math.nan)}]

    def zero_grad(self, set_to_none: bool = True) -> None:
        self.optim.zero_grad()

    def step(self, closure: Callable[[], Any] | None = None) -> None:
        with torch.no_grad():
            if self.before_step is not None:
                self.before_step()
            self.optim.step()

    def state_dict(self) -> dict[str, Any]:
        state = getattr(self.optim, "state_dict", None)
        return cast(dict[str, Any], state()) if state is not None else {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        load = getattr(self.optim, "load_state_dict", None)
        if load is not None:
            load(state)


class _CountBatches(Callback):
    """Keeps the book's ``train_batch_idx`` (the model's plots read it) as batches finish."""

    def __init__(self, trainer: Trainer) -> None:
        self.trainer = trainer

    def on_batch_end(self, trainer: Engine, step: Step) -> None:
        self.trainer.train_batch_idx += 1


def _device_of(model: nn.Module) -> torch.device:
    """Where the model's parameters are (its first one's device); the CPU without any."""
    first = next(iter(model.parameters()), None)
    return first.device if first is not None else torch.device("cpu")


class Trainer(HyperParameters):
    """The base class for training models with data: ``fit(model, data)``.

    Args:
        max_epochs: epochs ``fit`` runs.
        num_gpus: CUDA devices to use (at most those present; the first one is used).
        gradient_clip_val: clip the gradients' global norm to this (0: no clipping).
    """

    max_epochs: int
    num_gpus: int
    gradient_clip_val: float
    train_dataloader: Any
    val_dataloader: Any
    num_train_batches: int
    num_val_batches: int
    model: Any
    optim: Any
    epoch: int
    train_batch_idx: int
    val_batch_idx: int

    def __init__(self, max_epochs: int, num_gpus: int = 0, gradient_clip_val: float = 0) -> None:
        self.save_hyperparameters()
        self.gpus = [gpu(i) for i in range(min(num_gpus, _gpus_present()))]

    def prepare_data(self, data: Any) -> None:
        self.train_dataloader = data.train_dataloader()
        self.val_dataloader = data.val_dataloader()
        self.num_train_batches = len(self.train_dataloader)
        self.num_val_batches = len(self.val_dataloader) if self.val_dataloader is not None else 0

    def prepare_model(self, model: Any) -> None:
        model.trainer = self
        model.board.xlim = [0, self.max_epochs]
        if getattr(self, "gpus", None):
            model.to(self.gpus[0])
        self.model = model

    def fit(self, model: Any, data: Any) -> None:
        """Train ``model`` on ``data`` for ``max_epochs`` epochs, one ``fit_epoch()`` each."""
        self.prepare_data(data)
        self.prepare_model(model)
        self.optim = model.configure_optimizers()
        self.epoch = 0
        self.train_batch_idx = 0
        self.val_batch_idx = 0
        self._engine: Engine | None = None
        try:
            for self.epoch in range(self.max_epochs):  # noqa: B020 - the book's loop
                self.fit_epoch()
        finally:
            engine, self._engine = getattr(self, "_engine", None), None
            if engine is not None and engine.channels_last is True:
                model.to(memory_format=torch.contiguous_format)  # later cells see NCHW again
            board = getattr(model, "board", None)
            if board is not None and hasattr(board, "flush"):
                board.flush()  # the last points, if the last redraw was deferred

    def fit_epoch(self) -> None:
        """One epoch: train on every batch, then validate, in d2lkit's Trainer.

        Like the book's loop, it leaves the model in evaluation mode after validating.
        """
        engine = self._engine_for_epoch()
        engine.fit(self.train_dataloader, self.val_dataloader, epochs=engine.epoch + 1)
        if self.val_dataloader is not None:
            self.model.eval()

    def prepare_batch(self, batch: Sequence[Any]) -> Sequence[Any]:
        """The batch on the first GPU in use (as it is without one)."""
        if getattr(self, "gpus", None):
            batch = [a.to(self.gpus[0]) for a in batch]
        return batch

    def clip_gradients(self, grad_clip_val: float, model: nn.Module) -> None:
        """Scale all gradients together so that their global norm is at most ``grad_clip_val``."""
        params = [p for p in model.parameters() if p.requires_grad and p.grad is not None]
        nn.utils.clip_grad_norm_(params, grad_clip_val)  # no host wait, unlike the book's `if`

    # --- the d2lkit side --------------------------------------------------------------

    def _engine_for_epoch(self) -> Engine:
        """d2lkit's Trainer for this fit: made on the first epoch, again if a part changed."""
        key = (id(self.model), id(self.optim), id(self.train_dataloader), id(self.val_dataloader))
        engine = getattr(self, "_engine", None)
        if engine is None or getattr(self, "_engine_key", None) != key:
            engine = Engine(
                self.model,
                cast(Any, None),  # the loss is the model's: its training_step returns it
                cast(Any, BookOptimizer(self.optim, self._clip)),
                task=StepFunctions(self._training_step, self._validation_step),
                device=_device_of(self.model),
                callbacks=[_CountBatches(self)],
                channels_last="auto",  # NHWC for 64 px or larger images on a CPU: faster
            )
            self._engine, self._engine_key = engine, key
        return engine

    def _training_step(self, batch: Sequence[Any]) -> Any:
        return self.model.training_step(self.prepare_batch(batch))

    def _validation_step(self, batch: Sequence[Any]) -> Any:
        with torch.no_grad():
            self.model.validation_step(self.prepare_batch(batch))
        self.val_batch_idx += 1
        return None

    def _clip(self) -> None:
        if self.gradient_clip_val > 0:
            self.clip_gradients(self.gradient_clip_val, self.model)


def _gpus_present() -> int:
    return num_gpus()
