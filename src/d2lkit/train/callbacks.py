"""Callbacks: everything around the loop (progress, logs, plots, checkpoints).

The trainer fires a fixed list of events, each with the trainer itself:
``on_fit_start``, ``on_epoch_start``, ``on_batch_start``, ``on_batch_end``,
``on_row`` (the epoch's row is complete but not yet logged: a callback may add
figures to it, declared with ``trainer.declare_metric``), ``on_epoch_end``,
``on_fit_end``. Callbacks read the trainer's state
(``epoch``, ``history``, ``batch_index`` ...) and never change it directly; to
steer the loop they raise :class:`CancelBatch` (from ``on_batch_start``: skip
this batch), :class:`CancelEpoch` (end this epoch's training early) or
:class:`StopTraining` (end ``fit`` after this point). A callback with state
returns it from ``state_dict`` so that checkpoints carry it, under its
``state_key`` (default: the class name), so that adding or removing another
callback never gives one callback's state to another. Under DDP (torchrun) a
callback with ``main_only = True`` (those that print or write files) runs on
rank 0 only; the others run on every rank and see the same (reduced) figures,
so decisions such as early stopping agree; one that writes anyway checks
``trainer.is_main``.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from d2lkit.atomic import write_text_atomic
from d2lkit.train.checkpoint import save_checkpoint

if TYPE_CHECKING:
    import torch

    from d2lkit.train.trainer import Trainer

__all__ = [
    "Callback",
    "CancelBatch",
    "CancelEpoch",
    "Checkpoint",
    "CurvePlot",
    "EarlyStopping",
    "MetricsLogger",
    "ProgressBar",
    "StepLogger",
    "StopTraining",
    "format_figures",
]

log = logging.getLogger(__name__)


class CancelBatch(Exception):
    """Raised in ``on_batch_start``: skip this batch."""


class CancelEpoch(Exception):
    """Raised during an epoch: stop training this epoch, then evaluate as usual."""


class StopTraining(Exception):
    """Raised anywhere: finish ``fit`` now (the history so far is kept)."""


class Callback:
    """Base class: every event does nothing until overridden.

    ``order`` sorts callbacks (stable, low first): a checkpoint runs last so it
    saves what the other callbacks made of the epoch.
    """

    order = 0
    main_only = False  # True: under DDP only rank 0 gets the events (printing, writing)

    @property
    def state_key(self) -> str:
        """Where a checkpoint keeps this callback's state; stable across runs."""
        return getattr(self, "_state_key", None) or type(self).__name__

    @state_key.setter
    def state_key(self, key: str) -> None:
        self._state_key = key

    def on_fit_start(self, trainer: Trainer) -> None: ...
    def on_epoch_start(self, trainer: Trainer) -> None: ...
    def on_batch_start(self, trainer: Trainer) -> None: ...
    def on_batch_end(self, trainer: Trainer, loss: torch.Tensor) -> None: ...
    def on_row(self, trainer: Trainer, row: dict[str, Any]) -> None: ...
    def on_epoch_end(self, trainer: Trainer) -> None: ...
    def on_fit_end(self, trainer: Trainer) -> None: ...

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None: ...


def format_figures(row: dict[str, Any], keys: list[str]) -> str:
    """``train loss 0.49, train acc 0.82, test acc 0.80``: the given columns of a row."""
    return ", ".join(
        f"{k.replace('_', ' ')} {row[k]:.3f}" for k in keys if isinstance(row.get(k), float | int)
    )


class ProgressBar(Callback):
    """A tqdm bar per epoch (terminal or notebook); a plain line per epoch elsewhere.

    The bar counts batches without reading the loss, so it never makes the host
    wait for the device; the epoch's metrics appear when the epoch ends.
    """

    main_only = True

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream
        self._bar: Any = None

    def _interactive(self) -> bool:
        from d2lkit.viz import in_notebook

        stream = self.stream or sys.stderr
        return in_notebook() or (hasattr(stream, "isatty") and stream.isatty())

    def on_fit_start(self, trainer: Trainer) -> None:
        self._live = self._interactive()

    def on_epoch_start(self, trainer: Trainer) -> None:
        if not self._live:
            return
        from tqdm.auto import tqdm

        total = len(trainer.train_loader) if hasattr(trainer.train_loader, "__len__") else None
        self._bar = tqdm(
            total=total,
            desc=f"epoch {trainer.epoch + 1}/{trainer.epochs}",
            unit="batch",
            leave=True,
            file=self.stream,
            dynamic_ncols=True,
            mininterval=0.2,
        )

    def on_batch_end(self, trainer: Trainer, loss: torch.Tensor) -> None:
        if self._bar is not None:
            self._bar.update()

    def on_epoch_end(self, trainer: Trainer) -> None:
        row = trainer.history[-1]
        if self._bar is not None:
            self._bar.set_postfix_str(format_figures(row, trainer.curves()), refresh=False)
            self._bar.close()
            self._bar = None
        else:
            stream = self.stream or sys.stderr
            speed, unit = row[trainer.throughput_key], trainer.task.unit
            print(
                f"epoch {row['epoch']}/{trainer.epochs}: "
                f"{format_figures(row, trainer.metric_names)}, {speed:,.0f} {unit}/s",
                file=stream,
                flush=True,
            )

    def on_fit_end(self, trainer: Trainer) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class MetricsLogger(Callback):
    """Keep ``metrics.csv`` and ``metrics.jsonl`` in a folder equal to the history."""

    main_only = True

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)

    def on_epoch_end(self, trainer: Trainer) -> None:
        history = trainer.history
        self.folder.mkdir(parents=True, exist_ok=True)
        columns = list(dict.fromkeys(k for row in history for k in row))
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(history)
        write_text_atomic(self.folder / "metrics.csv", buffer.getvalue())
        write_text_atomic(
            self.folder / "metrics.jsonl", "".join(json.dumps(row) + "\n" for row in history)
        )


class CurvePlot(Callback):
    """Draw the training curves: live in a notebook, and/or to a PNG file.

    Args:
        path: PNG to (re)write; None to draw only live in a notebook.
        min_interval: seconds between rewrites of the PNG (0: every epoch). The
            last epoch is always drawn, so a short run pays for one drawing,
            not one per epoch. A notebook's live figure redraws every epoch.
        title: the figure's title.
        curves: history columns to draw (default: those the task declares for plots).
        yscale: "linear" or "log" (the book draws 4.4's losses on a log scale).
    """

    main_only = True

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        min_interval: float = 10.0,
        title: str | None = None,
        curves: list[str] | None = None,
        yscale: str = "linear",
    ) -> None:
        self.path = None if path is None else Path(path)
        self.min_interval = min_interval
        self.title = title
        self.curves = curves
        self.yscale = yscale
        self._live: Any = None
        self._drawn_at = -math.inf
        self._drawn_epoch = -1

    def _curves(self, trainer: Trainer) -> list[str]:
        return self.curves if self.curves is not None else trainer.curves()

    def on_fit_start(self, trainer: Trainer) -> None:
        from d2lkit.viz import LiveFigure, in_notebook, preload_matplotlib

        self._live = LiveFigure() if in_notebook() else None
        self._drawn_at = time.monotonic()  # the first epoch is not drawn at once
        preload_matplotlib()  # overlaps the import with the first epoch

    def _save(self, trainer: Trainer) -> None:
        if self.path is None or not trainer.history or self._drawn_epoch == trainer.epoch:
            return
        from d2lkit.viz import save_history_plot

        save_history_plot(
            trainer.history, self.path, self._curves(trainer), title=self.title, yscale=self.yscale
        )
        self._drawn_at, self._drawn_epoch = time.monotonic(), trainer.epoch

    def on_epoch_end(self, trainer: Trainer) -> None:
        if self._live is not None:  # a notebook redraws every epoch, as the book does
            from d2lkit.viz import plot_history

            figure = plot_history(
                trainer.history, self._curves(trainer), title=self.title, yscale=self.yscale
            )
            self._live.update(figure)
        last = trainer.epoch >= trainer.epochs
        if last or time.monotonic() - self._drawn_at >= self.min_interval:
            self._save(trainer)

    def on_fit_end(self, trainer: Trainer) -> None:
        self._save(trainer)  # also after an early stop


class Checkpoint(Callback):
    """Save the whole training state (atomically) after every ``every`` epochs and at the end.

    A model whose weights are no longer finite is never saved: the last good
    checkpoint stays in place.
    """

    main_only = True

    order = 100

    def __init__(self, path: str | os.PathLike[str], every: int = 1) -> None:
        if every < 1:
            raise ValueError(f"every must be at least 1, got {every}")
        self.path = Path(path)
        self.every = every

    def on_epoch_end(self, trainer: Trainer) -> None:
        if trainer.epoch % self.every == 0 or trainer.epoch == trainer.epochs:
            if not _all_finite(trainer):
                log.error(
                    "epoch %d left non-finite weights: %s keeps the last good state",
                    trainer.epoch,
                    self.path,
                )
                return
            save_checkpoint(trainer.state_dict(), self.path)


def _all_finite(trainer: Trainer) -> bool:
    import torch

    with torch.no_grad():
        flags = [torch.isfinite(p).all() for p in trainer.model.parameters()]
        return bool(torch.stack(flags).all()) if flags else True


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    Args:
        monitor: a history column; default the loss of the first evaluation
            loader (``test_loss`` for ``fit(train, test)``), else ``train_loss``.
        mode: "min" or "max"; default from the task (accuracy is maximised).
    """

    def __init__(
        self,
        monitor: str | None = None,
        mode: str | None = None,
        patience: int = 3,
        min_delta: float = 0.0,
    ) -> None:
        if mode not in ("min", "max", None):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        self.monitor, self.mode, self.patience, self.min_delta = monitor, mode, patience, min_delta
        self.best = math.nan
        self.bad_epochs = 0

    def on_fit_start(self, trainer: Trainer) -> None:
        if self.monitor is None:
            self.monitor = (
                f"{trainer.splits[-1] if len(trainer.splits) < 2 else trainer.splits[1]}_loss"
            )
        if self.monitor not in trainer.metric_names:
            from d2lkit.errors import ConfigError

            raise ConfigError(
                f"EarlyStopping monitors {self.monitor!r}, which this run does not report",
                fix=f"monitor one of: {', '.join(trainer.metric_names)}",
            )
        if self.mode is None:
            split = next(s for s in trainer.splits if self.monitor.startswith(f"{s}_"))
            self.mode = "max" if self.monitor[len(split) + 1 :] in trainer.task.maximize else "min"

    def _improved(self, value: float) -> bool:
        if math.isnan(self.best):
            return True
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, trainer: Trainer) -> None:
        row = trainer.history[-1]
        assert self.monitor is not None  # set in on_fit_start
        if self._improved(row[self.monitor]):
            self.best, self.bad_epochs = row[self.monitor], 0
            return
        self.bad_epochs += 1
        if self.bad_epochs >= self.patience:
            log.info("early stop: %s has not improved for %d epochs", self.monitor, self.bad_epochs)
            raise StopTraining

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "bad_epochs": self.bad_epochs}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best, self.bad_epochs = state["best"], state["bad_epochs"]


class StepLogger(Callback):
    """Write ``steps.csv``: the loss and learning rate every ``every`` training examples.

    Chapter 11 plots the loss against examples seen, not epochs. Reading the
    loss makes the host wait for the device, so it happens only at each log
    point. With ``loader`` the logged loss is the mean over that whole loader
    (the book's ``train_ch11`` evaluates the full training set each time);
    otherwise it is the loss of the batch that crossed the mark.
    """

    def __init__(self, path: str | os.PathLike[str], every: int, loader: Any = None) -> None:
        if every < 1:
            raise ValueError(f"every must be at least 1 example, got {every}")
        self.path = Path(path)
        self.every = every
        self.loader = loader
        self.rows: list[dict[str, Any]] = []
        self._next = every
        self._start = time.perf_counter()

    def on_fit_start(self, trainer: Trainer) -> None:
        self._next = (trainer.examples_seen // self.every + 1) * self.every
        self._start = time.perf_counter() - (self.rows[-1]["time"] if self.rows else 0.0)

    def on_batch_end(self, trainer: Trainer, loss: torch.Tensor) -> None:
        if trainer.examples_seen < self._next:
            return
        self._next = (trainer.examples_seen // self.every + 1) * self.every
        value = trainer.evaluate(self.loader)["loss"] if self.loader is not None else float(loss)
        self.rows.append(
            {
                "step": trainer.step,
                "examples": trainer.examples_seen,
                "epoch": trainer.epoch + (trainer.batch_index + 1) / _batches(trainer),
                "loss": value,
                "lr": trainer.optimizer.param_groups[0]["lr"],
                "time": time.perf_counter() - self._start,
            }
        )

    def on_epoch_end(self, trainer: Trainer) -> None:
        if not self.rows or not trainer.is_main:  # every rank logs (evaluate is collective)
            return
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(self.rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows)
        write_text_atomic(self.path, buffer.getvalue())

    def state_dict(self) -> dict[str, Any]:
        return {"rows": self.rows}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.rows = [dict(row) for row in state.get("rows", [])]


def _batches(trainer: Trainer) -> int:
    loader = trainer.train_loader
    return max(len(loader), 1) if hasattr(loader, "__len__") else 1  # type: ignore[arg-type]
