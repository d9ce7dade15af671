"""The training loop: any model, any loader, any task, one screen of code.

>>> trainer = Trainer(model, nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.1))
>>> history = trainer.fit(train_loader, {"test": test_loader}, epochs=10)

What one batch means (unpacking, forward, loss, counting, hidden state) is the
*task*'s job (:mod:`d2lkit.train.tasks`); classification is the default.
``history`` is a list with one dict per epoch: the task's figures per split
(``train_loss``, ``train_acc``, ``test_loss``, ``test_acc``; ``train_ppl`` for
a language model ...), ``lr`` and timings. ``trainer.metrics`` maps every
figure column to its declaration (:class:`~d2lkit.metric.Metric`: direction,
format, reduction), declared by the task and by callbacks, in display order.
Metrics stay on the device until the epoch ends. Everything else (progress,
logs, plots, checkpoints, early stopping) is a callback.
"""

from __future__ import annotations

import contextlib
import copy
import fnmatch
import logging
import math
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from d2lkit.errors import ConfigError, D2lkitError
from d2lkit.metric import Metric, resolve
from d2lkit.train import distributed
from d2lkit.train.callbacks import (
    Callback,
    CancelBatch,
    CancelEpoch,
    StopTraining,
    checkpoint_note,
)
from d2lkit.train.checkpoint import check_checkpoint, load_checkpoint
from d2lkit.train.device import resolve_device
from d2lkit.train.memory_format import check_setting, wants_channels_last
from d2lkit.train.metrics import FirstNonFinite, RunningMetrics
from d2lkit.train.schedules import INTERVALS
from d2lkit.train.seed import get_rng_state, set_rng_state
from d2lkit.train.tasks import Classification, Step, Task

__all__ = ["NonFiniteLossError", "Trainer"]

log = logging.getLogger(__name__)

Loader = Iterable[Sequence[torch.Tensor]]
_CONTROL = (CancelBatch, CancelEpoch, StopTraining)
NONFINITE_POLICIES = ("stop", "skip")


class NonFiniteLossError(D2lkitError):
    """The loss became NaN or infinite; training stopped before saving anything non-finite."""


class Trainer:
    """Fit a model with a loss and an optimiser; evaluate it on named loaders.

    Args:
        model: any ``nn.Module`` (or a callable, with ``model_params`` for checkpoints).
        loss: a torch loss; losses with ``reduction='none'`` are averaged per batch.
        optimizer: any ``torch.optim.Optimizer`` over the model's parameters.
        scheduler: a learning-rate scheduler, stepped once per ``scheduler_interval``.
        task: what a batch means (default :class:`Classification`).
        device: ``auto`` (CUDA, then MPS, then CPU), or a device name.
        callbacks: see :mod:`d2lkit.train.callbacks`.
        amp: mixed precision: True (float16 with loss scaling on CUDA, bfloat16
            elsewhere), or the dtype's name, ``"bfloat16"`` or ``"float16"``.
        channels_last: model and 4-D float batches in NHWC memory format (faster
            convolutions on recent CPUs and on tensor-core GPUs); ``"auto"``
            chooses on the first batch: NHWC on a CPU for images of 64 px or
            more, if the model accepts it (see :mod:`d2lkit.train.memory_format`;
            one process only: under torchrun it stays NCHW).
        compile: run the forward pass through ``torch.compile``.
        grad_clip: clip the gradients' global norm to this value.
        scheduler_interval: ``epoch`` or ``step`` (after every optimiser step).
        nonfinite: a NaN/Inf loss ``stop``s training with a message naming the epoch
            and step (checked once per epoch: no per-step wait), or is ``skip``ped
            (checked every step, which makes the host wait for the device).
        run_dir: the folder a run writes into, for callbacks that write files
            (None: a run without a folder, e.g. in a notebook).
    """

    def __init__(
        self,
        model: nn.Module,
        loss: Callable[..., torch.Tensor],
        optimizer: torch.optim.Optimizer,
        scheduler: Any = None,
        *,
        task: Task | None = None,
        device: str | torch.device | None = "auto",
        callbacks: Sequence[Callback] = (),
        amp: bool | str = False,
        compile: bool = False,
        grad_clip: float | None = None,
        scheduler_interval: str = "epoch",
        nonfinite: str = "stop",
        channels_last: bool | str = False,
        run_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        _check_choice("scheduler_interval", scheduler_interval, INTERVALS)
        _check_choice("nonfinite", nonfinite, NONFINITE_POLICIES)
        self.device = resolve_device(device)
        self.model = model.to(self.device)
        self.channels_last = check_setting(channels_last)
        if channels_last is True:
            self.model = self.model.to(memory_format=torch.channels_last)
        self.forward: Callable[..., Any] = torch.compile(self.model) if compile else self.model
        self.eval_forward: Callable[..., Any] = self.forward  # DDP trains through a wrapper
        self.loss = loss
        self.optimizer = optimizer
        self.scheduler = scheduler
        self.scheduler_interval = scheduler_interval
        self.task = task if task is not None else Classification()
        self.run_dir = None if run_dir is None else Path(run_dir)
        self.callbacks = sorted(callbacks, key=lambda cb: cb.order)
        _check_unique_keys(self.callbacks)
        self.grad_clip = grad_clip
        self.nonfinite = nonfinite
        self.amp = bool(amp)
        self.amp_dtype = _amp_dtype(amp, self.device)
        use_scaler = self.amp and self.amp_dtype == torch.float16 and self.device.type == "cuda"
        self.scaler = torch.amp.GradScaler("cuda") if use_scaler else None
        self._attach_distributed(compile)
        self._reset_state()

    def _attach_distributed(self, compile: bool) -> None:
        """Under torchrun: wrap the model in DDP and reduce figures over ranks (else nothing)."""
        # Distribution (see d2lkit.train.distributed) plugs in here: a function summing a
        # tensor over processes, and whether this process is the one that writes.
        self.reduce: Callable[[torch.Tensor], torch.Tensor] | None = None
        self.is_main = True
        self.distributed = distributed.attach(self, compile=compile)  # no-op outside torchrun
        if self.distributed and self.channels_last == "auto":  # DDP holds the layout it wrapped
            self.channels_last = False

    def _reset_state(self) -> None:
        """The state that callbacks read and checkpoints carry, before any training."""
        self.epoch = 0  # epochs completed
        self.epochs = 0  # the target of the current fit
        self.step = 0  # optimiser steps taken
        self.examples_seen = 0  # training examples (rows) served, over all epochs
        self.batch_index = 0
        self.skipped_batches = 0  # non-finite batches skipped (nonfinite="skip")
        self.history: list[dict[str, Any]] = []
        self.metrics: dict[str, Metric] = {}  # every figure column, declared, in display order
        self.splits: list[str] = ["train"]
        self.train_loader: Loader | None = None
        self._resume: dict[str, Any] | None = None
        self._nonfinite = FirstNonFinite()  # this epoch's losses, checked once at its end

    # --- the loop ------------------------------------------------------------

    def fit(
        self,
        train: Loader,
        valid: Loader | Mapping[str, Loader] | None = None,
        epochs: int = 1,
    ) -> list[dict[str, Any]]:
        """Train until ``epochs`` epochs are complete (counting resumed ones); return the history.

        ``valid`` is one loader (its figures are named ``test_*``) or a mapping
        of names to loaders, e.g. ``{"valid": loader}`` gives ``valid_acc``.
        """
        if epochs < 1:
            raise ValueError(f"epochs must be at least 1, got {epochs}")
        _check_has_batches(train, "training")
        named: dict[str, Loader] = (
            {} if valid is None else dict(valid) if isinstance(valid, Mapping) else {"test": valid}
        )
        self.train_loader, self.epochs = train, epochs
        self.splits = ["train", *named]
        self.metrics = {}
        for split in self.splits:
            for metric in self.task.metrics:
                self.declare_metric(metric.column(split))
        for callback in self.callbacks:  # before any event: every callback sees them all
            if self.is_main or not callback.main_only:
                for metric in callback.metrics:
                    self.declare_metric(metric)
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
        if hasattr(train, "set_epoch"):  # a new order each epoch, the same on every process
            train.set_epoch(self.epoch)
        self._fire("on_epoch_start")
        lr = self.optimizer.param_groups[0]["lr"]
        start = time.perf_counter()
        running = self._train_epoch(train)
        if self.distributed:  # the same BN statistics everywhere before evaluating or saving
            distributed.sync_buffers(self.model)
        figures, count = self._figures(running)  # waits for the device: the timing is honest
        train_time = time.perf_counter() - start
        self._check_finite(figures)
        row: dict[str, Any] = {"epoch": self.epoch + 1}
        row.update({f"train_{k}": v for k, v in figures.items()})
        for name, loader in valid.items():
            row.update({f"{name}_{k}": v for k, v in self.evaluate(loader).items()})
        row["lr"] = lr
        row["train_time"] = train_time
        row[self.throughput_key] = count / train_time if train_time > 0 else 0.0
        self._fire("on_row", row)  # callbacks may add figures (BLEU, samples) before logging
        row["epoch_time"] = time.perf_counter() - start
        if self.scheduler is not None and self.scheduler_interval == "epoch":
            self.scheduler.step()
        self.history.append(row)
        self.epoch += 1
        self._fire("on_epoch_end")

    def _train_epoch(self, loader: Loader) -> RunningMetrics:
        self.model.train()
        self.task.start(training=True)
        running = RunningMetrics(self.device)
        self._nonfinite = FirstNonFinite(first_step=self.step)
        try:
            for self.batch_index, batch in enumerate(loader):
                batch = self._to_device(batch)
                try:
                    self._fire("on_batch_start")
                except CancelBatch:
                    continue
                step = self._train_step(batch)
                if step is None:  # a non-finite batch, skipped
                    continue
                running.update(step)
                self.step += 1
                self.examples_seen += _rows(batch)
                if self.scheduler is not None and self.scheduler_interval == "step":
                    self.scheduler.step()
                self._fire("on_batch_end", step)
        except CancelEpoch:
            log.info("epoch %d cut short by a callback", self.epoch + 1)
        return running

    def _train_step(self, batch: Sequence[torch.Tensor]) -> Step | None:
        with self._autocast():
            step = self.task.step(self.forward, self.loss, batch)
        if self.nonfinite == "skip" and not self._finite_everywhere(step.loss):
            self.skipped_batches += 1
            log.warning(
                "skipped batch %d of epoch %d: loss is %s",
                self.batch_index + 1,
                self.epoch + 1,
                step.loss.item(),
            )
            return None
        self._nonfinite.add(step.loss)  # no host wait: checked at the epoch's end
        self.optimizer.zero_grad(set_to_none=True)
        if self.scaler is None:
            step.loss.backward()
            self._clip()
            self.optimizer.step()
        else:
            self.scaler.scale(step.loss).backward()
            self.scaler.unscale_(self.optimizer)
            self._clip()
            self.scaler.step(self.optimizer)
            self.scaler.update()
        return step

    def _finite_everywhere(self, loss: torch.Tensor) -> bool:
        finite = bool(torch.isfinite(loss))
        return distributed.all_agree(finite) if self.distributed else finite

    def _clip(self) -> None:
        if self.grad_clip is not None:
            nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_clip)

    @torch.no_grad()
    def evaluate(self, loader: Loader) -> dict[str, float]:
        """The task's figures over a loader, in evaluation mode (dropout off, BN frozen).

        The pass runs on a copy of the task, so an evaluation in the middle of an
        epoch leaves the training pass's state (an RNN's hidden state) as it was.
        """
        was_training = self.model.training
        self.model.eval()
        task = copy.copy(self.task)
        task.start(training=False)
        running = RunningMetrics(self.device)
        try:
            for batch in loader:
                with self._autocast():
                    batch = self._to_device(batch)
                    running.update(task.step(self.eval_forward, self.loss, batch))
        finally:
            self.model.train(was_training)
        return self._figures(running, task)[0]

    def predict(self, *inputs: torch.Tensor) -> Any:
        """Model outputs for one batch, in evaluation mode, without gradients."""
        was_training = self.model.training
        self.model.eval()
        try:
            with torch.no_grad(), self._autocast():
                return self.eval_forward(*(x.to(self.device) for x in inputs))
        finally:
            self.model.train(was_training)

    # --- figures -------------------------------------------------------------

    @property
    def throughput_key(self) -> str:
        """The speed column: ``examples_per_sec``, or ``tokens_per_sec`` for sequence tasks."""
        return f"{self.task.unit}_per_sec"

    @property
    def metric_names(self) -> list[str]:
        """The figure columns, in display order."""
        return list(self.metrics)

    def declare_metric(self, metric: Metric | str) -> Metric:
        """Declare a figure column a callback puts in rows (a :class:`Metric`, e.g. ``test_bleu``).

        A name is looked up among the standard figures (:func:`d2lkit.metric.resolve`);
        one nobody declares is an error: its direction would be a guess.
        """
        if isinstance(metric, str):
            found = resolve(metric)
            if found is None:
                raise ConfigError(
                    f"the figure {metric!r} has no declaration (is higher or lower better?)",
                    fix="declare it as a d2lkit.metric.Metric(name, goal='max' or 'min')",
                )
            metric = found
        self.metrics.setdefault(metric.name, metric)
        return self.metrics[metric.name]

    def curves(self) -> list[str]:
        """The declared figure columns the task wants plotted (its ``plot`` patterns)."""
        return [k for k in self.metrics if any(fnmatch.fnmatchcase(k, p) for p in self.task.plot)]

    def echo(self, text: str) -> None:
        """Say a line of text during training (a sample, a translation).

        Callbacks that show progress print it (``on_text``) where their output
        goes, between epochs' lines; without one it is only logged.
        """
        log.info("%s", text)
        self._fire("on_text", text)

    def _figures(
        self, running: RunningMetrics, task: Task | None = None
    ) -> tuple[dict[str, float], float]:
        means, count = running.compute(self.reduce)
        return ((task or self.task).report(means) if means else {}), count

    def _check_finite(self, figures: Mapping[str, float]) -> None:
        bad = self._nonfinite.result()
        if bad is not None:
            step, value = bad
            raise NonFiniteLossError(
                f"the training loss became {value} at epoch {self.epoch + 1}, step "
                f"{step}; stopped ({checkpoint_note(self)})",
                fix="lower the learning rate (--lr), clip gradients (--set "
                "train.grad_clip=1), or skip such batches (--set train.nonfinite=skip)",
            )
        loss = figures.get("loss")
        if loss is not None and not math.isfinite(loss):
            raise NonFiniteLossError(
                f"the training loss of epoch {self.epoch + 1} is {loss}",
                fix="lower the learning rate (--lr) or clip gradients (--set train.grad_clip=1)",
            )

    # --- helpers -------------------------------------------------------------

    def _autocast(self) -> contextlib.AbstractContextManager[Any]:
        if not self.amp:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.amp_dtype)

    def _to_device(self, batch: Sequence[torch.Tensor]) -> tuple[torch.Tensor, ...]:
        moved = tuple(
            t.to(self.device, non_blocking=True) if isinstance(t, torch.Tensor) else t
            for t in batch
        )
        if self.channels_last == "auto":  # decided once, on the first batch seen
            self.channels_last = wants_channels_last(self.model, moved, self.device)
        if not self.channels_last:
            return moved
        return tuple(
            t.contiguous(memory_format=torch.channels_last)
            if isinstance(t, torch.Tensor) and t.dim() == 4 and t.is_floating_point()
            else t
            for t in moved
        )

    def _fire(self, event: str, *args: Any) -> None:
        """Call ``event`` on every callback; a control exception waits until all have run."""
        raised: Exception | None = None
        for callback in self.callbacks:
            if not self.is_main and callback.main_only:  # under DDP rank 0 alone writes
                continue
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
            "examples_seen": self.examples_seen,
            "history": self.history,
            "rng": get_rng_state(),
            "train_loader": loader.state_dict() if hasattr(loader, "state_dict") else None,
            "task": self.task.state_dict(),
            "callbacks": {cb.state_key: cb.state_dict() for cb in self.callbacks},
        }

    def load_state_dict(self, state: Mapping[str, Any], *, source: str = "the state") -> None:
        """Restore a :meth:`state_dict`; random and loader state apply when ``fit`` starts.

        ``state`` is checked first (:func:`~d2lkit.train.checkpoint.check_checkpoint`):
        a field of the wrong type or shape is one ConfigError naming ``source`` and
        the field, and leaves this trainer as it was.
        """
        check_checkpoint(state, source, self)
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler is not None and state.get("scheduler") is not None:
            self.scheduler.load_state_dict(state["scheduler"])
        if self.scaler is not None and state.get("scaler") is not None:
            self.scaler.load_state_dict(state["scaler"])
        self.epoch, self.step = state["epoch"], state["step"]
        self.examples_seen = state.get("examples_seen", 0)
        self.history = [dict(row) for row in state["history"]]
        self.task.load_state_dict(state.get("task", {}))
        _load_callback_states(self.callbacks, state.get("callbacks", {}))
        self._resume = {"rng": state["rng"], "train_loader": state.get("train_loader")}

    def load_checkpoint(self, path: str | os.PathLike[str]) -> None:
        """Resume from a checkpoint file written by the ``Checkpoint`` callback."""
        state = load_checkpoint(path, map_location=self.device)
        try:
            self.load_state_dict(state, source=str(path))
        except (RuntimeError, ValueError, KeyError) as exc:  # another model or optimiser
            first = str(exc).strip().splitlines()[0][:300]
            raise ConfigError(
                f"{path} does not fit this model and optimiser: {first}",
                fix="resume with the settings the run was trained with (its config.json), "
                "or start a new run",
            ) from None

    def _apply_resume(self, train: Loader) -> None:
        if self._resume is None:
            return
        set_rng_state(self._resume["rng"])
        loader_state = self._resume["train_loader"]
        if loader_state is not None and hasattr(train, "load_state_dict"):
            train.load_state_dict(loader_state)
        self._resume = None


def _check_choice(name: str, value: str, choices: Sequence[str]) -> None:
    if value not in choices:
        raise ConfigError(f"{name} must be one of {tuple(choices)}, got {value!r}")


def _check_has_batches(loader: Loader, what: str) -> None:
    """An epoch without a batch would log a row with no training figures: say why instead."""
    if hasattr(loader, "__len__") and len(loader) == 0:  # type: ignore[arg-type]
        size = getattr(loader, "batch_size", None)
        raise ConfigError(
            f"the {what} loader yields no batches"
            + (f" (batch size {size}, last partial batch dropped)" if size else ""),
            fix="use a smaller batch size, keep the last partial batch, or give it more examples",
        )


def _amp_dtype(amp: bool | str, device: torch.device) -> torch.dtype:
    if isinstance(amp, str):
        if amp not in ("bfloat16", "float16"):
            raise ConfigError(f"amp must be True, 'bfloat16' or 'float16', got {amp!r}")
        return getattr(torch, amp)
    return torch.float16 if device.type in ("cuda", "mps") else torch.bfloat16


def _rows(batch: Sequence[Any]) -> int:
    first = batch[0]
    return int(first.shape[0]) if isinstance(first, torch.Tensor) and first.dim() else 1


def _check_unique_keys(callbacks: Sequence[Callback]) -> None:
    keys = [cb.state_key for cb in callbacks]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise ConfigError(
            f"two callbacks share the state key {', '.join(map(repr, twice))}",
            fix="give each its own `state_key` (an attribute or constructor argument)",
        )


def _load_callback_states(callbacks: Sequence[Callback], saved: Any) -> None:
    """Give each callback the state saved under its key; say what is missing or left over."""
    if not isinstance(saved, Mapping):  # checkpoints of d2lkit 0.1 kept a list
        log.warning("the checkpoint's callback states are in an old format; they are not restored")
        return
    for callback in callbacks:
        if callback.state_key in saved:
            callback.load_state_dict(saved[callback.state_key])
        elif callback.state_dict():
            log.warning(
                "the checkpoint holds no state for callback %r; it starts fresh", callback.state_key
            )
    keys = {cb.state_key for cb in callbacks}
    for key, cb_state in saved.items():
        if key not in keys and cb_state:
            log.warning(
                "the checkpoint holds state for callback %r, which this run does not "
                "have; it is ignored",
                key,
            )
