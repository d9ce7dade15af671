"""Callbacks: everything around the loop (progress, logs, plots, checkpoints).

The trainer fires a fixed list of events, each with the trainer itself:
``on_fit_start``, ``on_epoch_start``, ``on_batch_start``, ``on_batch_end``
(with the :class:`~d2lkit.train.tasks.Step`: the batch, the model's outputs, the
loss), ``on_row`` (the epoch's row is complete but not yet logged: a callback
may add figures to it, each declared in its ``metrics``), ``on_epoch_end``,
``on_fit_end``, and ``on_text`` (a line of text to show: ``trainer.echo``).
Callbacks read the trainer's state (``epoch``, ``history``, ``batch_index``,
``run_dir`` ...) and never change it directly; to
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
from collections.abc import Sized
from pathlib import Path
from typing import TYPE_CHECKING, Any

from d2lkit.atomic import write_text_atomic
from d2lkit.errors import ConfigError
from d2lkit.metric import Metric
from d2lkit.train.checkpoint import save_checkpoint

if TYPE_CHECKING:
    from d2lkit.train.tasks import Step
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
    "checkpoint_note",
    "epoch_line",
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
    saves what the other callbacks made of the epoch. ``metrics`` declares the
    figures the callback adds to rows (read before ``on_fit_start``, so every
    callback sees every declaration whatever the order).
    """

    order = 0
    main_only = False  # True: under DDP only rank 0 gets the events (printing, writing)
    metrics: tuple[Metric, ...] = ()

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
    def on_batch_end(self, trainer: Trainer, step: Step) -> None: ...
    def on_row(self, trainer: Trainer, row: dict[str, Any]) -> None: ...
    def on_epoch_end(self, trainer: Trainer) -> None: ...
    def on_fit_end(self, trainer: Trainer) -> None: ...
    def on_text(self, trainer: Trainer, text: str) -> None: ...

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None: ...

    def summary(self) -> dict[str, Any]:
        """What the callback adds to a run's summary (4.4's learned weights); none by default."""
        return {}


def format_figures(row: dict[str, Any], metrics: list[Metric]) -> str:
    """``train loss 0.49, train acc 0.82, test acc 0.80``: the declared figures of a row."""
    return ", ".join(
        f"{m.words} {m.format(row[m.name])}"
        for m in metrics
        if isinstance(row.get(m.name), float | int)
    )


class ProgressBar(Callback):
    """A bar while each epoch runs, then the epoch's figures as one full line.

    In a terminal a tqdm bar counts the epoch's batches and is cleared when the
    epoch ends; the epoch's line takes its place, whole (a bar's postfix is cut
    at the terminal's width, and the test accuracy comes last). In a notebook
    the bar is a widget when ipywidgets is installed (no bar, and no warning,
    without it) and the lines go to stdout, so a saved notebook keeps readable
    text. Elsewhere (a pipe, a log file) there is only the line per epoch. The
    bar counts batches without reading the loss: the host never waits for it.
    """

    main_only = True

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream
        self._out = stream or sys.stderr  # until fit starts and picks the notebook's stdout
        self._bar: Any = None
        self._tqdm: Any = None

    def on_fit_start(self, trainer: Trainer) -> None:
        from d2lkit.viz import in_notebook

        notebook = in_notebook()
        self._out = self.stream or (sys.stdout if notebook else sys.stderr)
        self._tqdm = None
        if notebook and _has_module("ipywidgets"):
            from tqdm.notebook import tqdm

            self._tqdm = tqdm
        elif not notebook and hasattr(self._out, "isatty") and self._out.isatty():
            from tqdm.std import tqdm

            self._tqdm = tqdm

    def on_epoch_start(self, trainer: Trainer) -> None:
        if self._tqdm is None:
            return
        loader = trainer.train_loader
        total = len(loader) if isinstance(loader, Sized) else None
        self._bar = self._tqdm(
            total=total,
            desc=f"epoch {trainer.epoch + 1}/{trainer.epochs}",
            unit="batch",
            leave=False,
            file=self._out,
            dynamic_ncols=True,
            mininterval=0.2,
        )

    def on_batch_end(self, trainer: Trainer, step: Step) -> None:
        if self._bar is not None:
            self._bar.update()

    def on_text(self, trainer: Trainer, text: str) -> None:
        if self._bar is not None:
            self._bar.write(f"  {text}", file=self._out)
        else:
            print(f"  {text}", file=self._out, flush=True)

    def on_epoch_end(self, trainer: Trainer) -> None:
        self._close()
        width = _columns(self._out) if self._tqdm is not None else None
        print(epoch_line(trainer, width), file=self._out, flush=True)

    def on_fit_end(self, trainer: Trainer) -> None:
        self._close()

    def _close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def epoch_line(trainer: Trainer, width: int | None = None) -> str:
    """``epoch 3/10: train loss 0.571, train acc 0.812, test acc 0.795, 9,870 examples/s``.

    With a ``width`` (a terminal's columns) a longer line is shortened, figures
    first kept: splits grouped (``train loss 0.571 acc 0.812 | test ...``),
    then the speed dropped.
    """
    row = trainer.history[-1]
    head = f"epoch {row['epoch']}/{trainer.epochs}: "
    speed = f", {row[trainer.throughput_key]:,.0f} {trainer.task.unit}/s"
    metrics = list(trainer.metrics.values())
    full = head + format_figures(row, metrics)
    if width is None or len(full + speed) <= width:
        return full + speed
    groups = []
    for split in trainer.splits:
        own = [m for m in metrics if m.name.startswith(f"{split}_")]
        figures = format_figures(row, own).replace(f"{split} ", "")
        if figures:
            groups.append(f"{split} {figures.replace(',', '')}")
    short = head + " | ".join(groups)
    return short + speed if len(short + speed) <= width else short


def _has_module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def _columns(stream: Any) -> int:
    """The terminal's width: $COLUMNS, else the stream's terminal, else 80."""
    try:
        return int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        pass
    try:
        return os.get_terminal_size(stream.fileno()).columns or 80
    except (AttributeError, OSError, ValueError):
        return 80


class MetricsLogger(Callback):
    """Keep ``metrics.csv`` and ``metrics.jsonl`` in a folder equal to the history.

    The files are rewritten whole (atomically) after an epoch, at most every
    ``min_interval`` seconds, and always after the first and the last epoch
    and at the end of ``fit``: a run of 1,500 short epochs (4.4) would
    otherwise spend most of its time rewriting ever longer files.
    """

    main_only = True

    def __init__(self, folder: str | os.PathLike[str], min_interval: float = 2.0) -> None:
        self.folder = Path(folder)
        self.min_interval = min_interval
        self._written_at = -math.inf
        self._written_rows = -1

    def on_epoch_end(self, trainer: Trainer) -> None:
        last = trainer.epoch >= trainer.epochs
        if last or time.monotonic() - self._written_at >= self.min_interval:
            self._write(trainer)

    def on_fit_end(self, trainer: Trainer) -> None:
        self._write(trainer)  # also after an early stop

    def _write(self, trainer: Trainer) -> None:
        history = trainer.history
        if not history or self._written_rows == len(history):
            return
        self._written_at, self._written_rows = time.monotonic(), len(history)
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
        from d2lkit.viz import LiveFigure, in_notebook

        self._live = LiveFigure() if in_notebook() else None
        self._drawn_at = time.monotonic()  # the first epoch is not drawn at once
        # matplotlib is imported by the first save, not in a thread during training: such a
        # thread holds the GIL, and cost a small model's first epoch 1 s (docs/benchmarks.md)

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
    checkpoint stays in place. With ``best`` (a figure column, e.g.
    ``test_acc``) the state is also saved to ``best_path`` (default: ``best.pt``
    beside ``path``) whenever that figure improves, in the direction its
    declaration gives.
    """

    main_only = True

    order = 100

    def __init__(
        self,
        path: str | os.PathLike[str],
        every: int = 1,
        *,
        best: str | None = None,
        best_path: str | os.PathLike[str] | None = None,
    ) -> None:
        if every < 1:
            raise ValueError(f"every must be at least 1, got {every}")
        self.path = Path(path)
        self.every = every
        self.best = best
        self.best_path = (
            Path(best_path) if best_path is not None else self.path.with_name("best.pt")
        )
        self.best_value = math.nan
        self.saved_epoch: int | None = None  # the epoch ``path`` holds, once saved in this run
        self._metric: Metric | None = None

    def on_fit_start(self, trainer: Trainer) -> None:
        if self.best is not None:
            self._metric = _declared(trainer, self.best, "Checkpoint(best=...)")

    def on_epoch_end(self, trainer: Trainer) -> None:
        due = trainer.epoch % self.every == 0 or trainer.epoch == trainer.epochs
        improved = self._improved(trainer.history[-1])
        if not (due or improved):
            return
        if not _all_finite(trainer):
            log.error(
                "epoch %d left non-finite weights: %s keeps the last good state",
                trainer.epoch,
                self.path,
            )
            return
        state = trainer.state_dict()
        if improved:
            assert self._metric is not None  # improved: there is a metric to watch
            self.best_value = trainer.history[-1][self._metric.name]
            state["callbacks"][self.state_key] = self.state_dict()
            save_checkpoint(state, self.best_path)
        if due:
            save_checkpoint(state, self.path)
            self.saved_epoch = trainer.epoch

    def _improved(self, row: dict[str, Any]) -> bool:
        if self._metric is None or not isinstance(row.get(self._metric.name), int | float):
            return False
        return self._metric.better(row[self._metric.name], self.best_value)

    def state_dict(self) -> dict[str, Any]:
        return {"best_value": self.best_value} if self.best is not None else {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best_value = float(state.get("best_value", math.nan))


def checkpoint_note(trainer: Trainer) -> str:
    """What a stopped run can resume from, in words: the checkpoint and the epoch it holds."""
    saver = next((cb for cb in trainer.callbacks if isinstance(cb, Checkpoint)), None)
    if saver is None:
        return "no checkpoint is kept (no Checkpoint callback), so no good weights were saved"
    if saver.saved_epoch is None:
        if saver.path.is_file():
            return f"{saver.path} holds the state of an earlier run only"
        return f"no checkpoint was saved in this run: {saver.path} does not exist"
    return f"{saver.path} holds epoch {saver.saved_epoch}, the last good one: resume from there"


def _all_finite(trainer: Trainer) -> bool:
    import torch

    with torch.no_grad():
        flags = [torch.isfinite(p).all() for p in trainer.model.parameters()]
        return bool(torch.stack(flags).all()) if flags else True


def _declared(trainer: Trainer, column: str, who: str) -> Metric:
    """The declaration of a figure column a callback watches, or an error naming the choices."""
    metric = trainer.metrics.get(column)
    if metric is None:
        raise ConfigError(
            f"{who} watches {column!r}, which this run does not report",
            fix=f"watch one of: {', '.join(trainer.metrics)}",
        )
    if metric.goal == "none":
        raise ConfigError(
            f"{who} watches {column!r}, which has no better side",
            fix=f"watch a loss or a score, e.g. one of: {', '.join(trainer.metrics)}",
        )
    return metric


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    Which way is better comes from the figure's declaration (accuracy and BLEU
    up, losses and perplexity down). An epoch whose row lacks the figure (BLEU
    computed every tenth epoch) neither improves nor counts against patience.

    Args:
        monitor: a history column; default the loss of the first evaluation
            loader (``test_loss`` for ``fit(train, test)``), else ``train_loss``.
    """

    def __init__(
        self, monitor: str | None = None, patience: int = 3, min_delta: float = 0.0
    ) -> None:
        if patience < 1:
            raise ValueError(f"patience must be at least 1 epoch, got {patience}")
        self.monitor, self.patience, self.min_delta = monitor, patience, min_delta
        self.best = math.nan
        self.bad_epochs = 0
        self._metric: Metric | None = None

    def on_fit_start(self, trainer: Trainer) -> None:
        if self.monitor is None:
            split = trainer.splits[1] if len(trainer.splits) > 1 else trainer.splits[0]
            self.monitor = f"{split}_loss"
        self._metric = _declared(trainer, self.monitor, "EarlyStopping")

    def on_epoch_end(self, trainer: Trainer) -> None:
        assert self._metric is not None  # set in on_fit_start
        value = trainer.history[-1].get(self._metric.name)
        if not isinstance(value, int | float):
            return
        if self._metric.better(value, self.best, self.min_delta):
            self.best, self.bad_epochs = value, 0
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

    def on_batch_end(self, trainer: Trainer, step: Step) -> None:
        if trainer.examples_seen < self._next:
            return
        self._next = (trainer.examples_seen // self.every + 1) * self.every
        value = (
            trainer.evaluate(self.loader)["loss"]
            if self.loader is not None
            else float(step.loss.detach())
        )
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
