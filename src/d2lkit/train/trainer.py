"""The training loop: any model, any loader, one screen of code.

>>> trainer = Trainer(model, nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.1))
>>> history = trainer.fit(train_loader, {"test": test_loader}, epochs=10)

``history`` is a list with one dict per epoch (``train_loss``, ``train_acc``,
``test_loss``, ``test_acc``, ``lr``, timings). Metrics stay on the device until
the epoch ends. Everything else (progress, logs, plots, checkpoints, early
stopping) is a callback.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import torch
from torch import nn

from d2lkit.train.callbacks import Callback, CancelBatch, CancelEpoch, StopTraining
from d2lkit.train.checkpoint import load_checkpoint
from d2lkit.train.device import resolve_device
from d2lkit.train.metrics import DEFAULT_METRICS, MetricFn, RunningMetrics
from d2lkit.train.seed import get_rng_state, set_rng_state

__all__ = ["Trainer"]

log = logging.getLogger(__name__)

Loader = Iterable[Sequence[torch.Tensor]]
_CONTROL = (CancelBatch, CancelEpoch, StopTraining)


class Trainer:
    """Fit a model with a loss and an optimiser; evaluate it on named loaders.

    Args:
        model: any ``nn.Module``; moved to ``device``.
        loss: ``loss(outputs, targets)`` returning the batch mean.
        optimizer: any ``torch.optim.Optimizer`` over the model's parameters.
        scheduler: a learning-rate scheduler, stepped once per epoch.
        device: ``auto`` (CUDA, then MPS, then CPU), or a device name.
        callbacks: see :mod:`d2lkit.train.callbacks`.
        metrics: name -> fn(outputs, targets) giving a batch *sum*; default accuracy.
        amp: mixed precision (float16 with loss scaling on CUDA, bfloat16 on CPU).
        compile: run the forward pass through ``torch.compile``.
        grad_clip: clip the gradients' global norm to this value.
    """

    def __init__(
        self,
        model: nn.Module,
        loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
        optimizer: torch.optim.Optimizer,
        scheduler: Any = None,
        *,
        device: str | torch.device | None = "auto",
        callbacks: Sequence[Callback] = (),
        metrics: Mapping[str, MetricFn] | None = None,
        amp: bool = False,
        compile: bool = False,
        grad_clip: float | None = None,
    ) -> None:
        self.device = resolve_device(device)
        self.model = model.to(self.device)
        self.forward = torch.compile(self.model) if compile else self.model
        self.loss = loss
        self.optimizer = optimizer
        self.scheduler = scheduler
        self.callbacks = sorted(callbacks, key=lambda cb: cb.order)
        self.metrics = dict(DEFAULT_METRICS if metrics is None else metrics)
        self.grad_clip = grad_clip
        self.amp = amp
        self.amp_dtype = torch.float16 if self.device.type in ("cuda", "mps") else torch.bfloat16
        use_scaler = amp and self.device.type == "cuda"
        self.scaler = torch.amp.GradScaler("cuda") if use_scaler else None
        # State that callbacks read and checkpoints carry.
        self.epoch = 0  # epochs completed
        self.epochs = 0  # the target of the current fit
        self.step = 0  # optimiser steps taken
        self.batch_index = 0
        self.history: list[dict[str, Any]] = []
        self.train_loader: Loader | None = None
        self._resume: dict[str, Any] | None = None

    # --- the loop ------------------------------------------------------------

    def fit(
        self, train: Loader, valid: Loader | Mapping[str, Loader] | None = None, epochs: int = 1
    ) -> list[dict[str, Any]]:
        """Train until ``epochs`` epochs are complete (counting resumed ones); return the history.

        ``valid`` is one loader (its metrics are named ``valid_*``) or a mapping
        of names to loaders, e.g. ``{"test": test_loader}`` gives ``test_acc``.
        """
        if epochs < 1:
            raise ValueError(f"epochs must be at least 1, got {epochs}")
        named = (
            {} if valid is None else dict(valid) if isinstance(valid, Mapping) else {"valid": valid}
        )
        self.train_loader, self.epochs = train, epochs
        self._apply_resume(train)
        try:
            self._fire("on_fit_start")
            while self.epoch < epochs:
                self._run_epoch(train, named)
        except StopTraining:
            log.info("training stopped by a callback after %d epochs", self.epoch)
        self._fire("on_fit_end")
        return self.history

    def _run_epoch(self, train: Loader, valid: Mapping[str, Loader]) -> None:
        self._fire("on_epoch_start")
        start = time.perf_counter()
        running = self._train_epoch(train)
        train_metrics = running.compute()  # waits for the device: the timing is honest
        train_time = time.perf_counter() - start
        row: dict[str, Any] = {"epoch": self.epoch + 1}
        row.update({f"train_{k}": v for k, v in train_metrics.items()})
        for name, loader in valid.items():
            row.update({f"{name}_{k}": v for k, v in self.evaluate(loader).items()})
        row["lr"] = self.optimizer.param_groups[0]["lr"]
        row["train_time"] = train_time
        row["examples_per_sec"] = running.count / train_time if train_time > 0 else 0.0
        row["epoch_time"] = time.perf_counter() - start
        if self.scheduler is not None:
            self.scheduler.step()
        self.history.append(row)
        self.epoch += 1
        self._fire("on_epoch_end")

    def _train_epoch(self, loader: Loader) -> RunningMetrics:
        self.model.train()
        running = RunningMetrics(self.metrics, self.device)
        try:
            for self.batch_index, batch in enumerate(loader):
                X, y = self._to_device(batch)
                try:
                    self._fire("on_batch_start")
                except CancelBatch:
                    continue
                outputs, loss = self._train_step(X, y)
                running.update(loss, outputs, y)
                self.step += 1
                self._fire("on_batch_end", loss)
        except CancelEpoch:
            log.info("epoch %d cut short by a callback", self.epoch + 1)
        return running

    def _train_step(self, X: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        with self._autocast():
            outputs = self.forward(X)
            loss = self.loss(outputs, y)
        self.optimizer.zero_grad(set_to_none=True)
        if self.scaler is None:
            loss.backward()
            self._clip()
            self.optimizer.step()
        else:
            self.scaler.scale(loss).backward()
            self.scaler.unscale_(self.optimizer)
            self._clip()
            self.scaler.step(self.optimizer)
            self.scaler.update()
        return outputs, loss

    def _clip(self) -> None:
        if self.grad_clip is not None:
            nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_clip)

    @torch.no_grad()
    def evaluate(
        self, loader: Loader, metrics: Mapping[str, MetricFn] | None = None
    ) -> dict[str, float]:
        """Mean loss and metrics over a loader, in evaluation mode (dropout off, BN frozen)."""
        was_training = self.model.training
        self.model.eval()
        running = RunningMetrics(self.metrics if metrics is None else metrics, self.device)
        try:
            for batch in loader:
                X, y = self._to_device(batch)
                with self._autocast():
                    outputs = self.forward(X)
                    loss = self.loss(outputs, y)
                running.update(loss, outputs, y)
        finally:
            self.model.train(was_training)
        return running.compute()

    def predict(self, X: torch.Tensor) -> torch.Tensor:
        """Model outputs for one batch, in evaluation mode."""
        was_training = self.model.training
        self.model.eval()
        try:
            with torch.no_grad(), self._autocast():
                return self.forward(X.to(self.device))
        finally:
            self.model.train(was_training)

    # --- helpers -------------------------------------------------------------

    def _autocast(self) -> contextlib.AbstractContextManager[Any]:
        if not self.amp:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.amp_dtype)

    def _to_device(self, batch: Sequence[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        X, y = batch
        return X.to(self.device, non_blocking=True), y.to(self.device, non_blocking=True)

    def _fire(self, event: str, *args: Any) -> None:
        """Call ``event`` on every callback; a control exception waits until all have run."""
        raised: Exception | None = None
        for callback in self.callbacks:
            try:
                getattr(callback, event)(self, *args)
            except _CONTROL as exc:
                raised = raised or exc
        if raised is not None:
            raise raised

    # --- state for checkpoints ----------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to resume: model, optimiser, scheduler, RNGs, loader, callbacks."""
        loader: Any = self.train_loader  # a TensorLoader, a DataLoader or any iterable
        return {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": None if self.scheduler is None else self.scheduler.state_dict(),
            "scaler": None if self.scaler is None else self.scaler.state_dict(),
            "epoch": self.epoch,
            "step": self.step,
            "history": self.history,
            "rng": get_rng_state(),
            "train_loader": loader.state_dict() if hasattr(loader, "state_dict") else None,
            "callbacks": [cb.state_dict() for cb in self.callbacks],
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore a :meth:`state_dict`; random and loader state apply when ``fit`` starts."""
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler is not None and state.get("scheduler") is not None:
            self.scheduler.load_state_dict(state["scheduler"])
        if self.scaler is not None and state.get("scaler") is not None:
            self.scaler.load_state_dict(state["scaler"])
        self.epoch, self.step = state["epoch"], state["step"]
        self.history = [dict(row) for row in state["history"]]
        saved = state.get("callbacks", [])
        if len(saved) == len(self.callbacks):
            for callback, cb_state in zip(self.callbacks, saved, strict=True):
                callback.load_state_dict(cb_state)
        self._resume = {"rng": state["rng"], "train_loader": state.get("train_loader")}

    def load_checkpoint(self, path: str | os.PathLike[str]) -> None:
        """Resume from a checkpoint file written by the ``Checkpoint`` callback."""
        self.load_state_dict(load_checkpoint(path, map_location=self.device))

    def _apply_resume(self, train: Loader) -> None:
        if self._resume is None:
            return
        set_rng_state(self._resume["rng"])
        loader_state = self._resume["train_loader"]
        if loader_state is not None and hasattr(train, "load_state_dict"):
            train.load_state_dict(loader_state)
        self._resume = None
