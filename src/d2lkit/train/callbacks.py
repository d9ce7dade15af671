"""Callbacks: everything around the loop (progress, logs, plots, checkpoints).

The trainer fires a fixed list of events, each with the trainer itself:
``on_fit_start``, ``on_epoch_start``, ``on_batch_start``, ``on_batch_end``,
``on_epoch_end``, ``on_fit_end``. Callbacks read the trainer's state
(``epoch``, ``history``, ``batch_index`` ...) and never change it directly; to
steer the loop they raise :class:`CancelBatch` (from ``on_batch_start``: skip
this batch), :class:`CancelEpoch` (end this epoch's training early) or
:class:`StopTraining` (end ``fit`` after this point). A callback with state
returns it from ``state_dict`` so that checkpoints carry it.
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
    "StopTraining",
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

    def on_fit_start(self, trainer: Trainer) -> None: ...
    def on_epoch_start(self, trainer: Trainer) -> None: ...
    def on_batch_start(self, trainer: Trainer) -> None: ...
    def on_batch_end(self, trainer: Trainer, loss: torch.Tensor) -> None: ...
    def on_epoch_end(self, trainer: Trainer) -> None: ...
    def on_fit_end(self, trainer: Trainer) -> None: ...

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None: ...


def _format_metrics(row: dict[str, Any], compact: bool = False) -> str:
    """``train loss 0.49, train acc 0.82, test loss ..``; compact: the book's three curves."""
    shown = [
        (k, v)
        for k, v in row.items()
        if k.endswith(("_loss", "_acc"))
        and not (compact and k.endswith("_loss") and k != "train_loss")
    ]
    return ", ".join(f"{k.replace('_', ' ')} {v:.3f}" for k, v in shown)


class ProgressBar(Callback):
    """A tqdm bar per epoch (terminal or notebook); a plain line per epoch elsewhere.

    The bar counts batches without reading the loss, so it never makes the host
    wait for the device; the epoch's metrics appear when the epoch ends.
    """

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

        loader = trainer.train_loader
        total = len(loader) if isinstance(loader, Sized) else None
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
            self._bar.set_postfix_str(_format_metrics(row, compact=True), refresh=False)
            self._bar.close()
            self._bar = None
        else:
            stream = self.stream or sys.stderr
            print(
                f"epoch {row['epoch']}/{trainer.epochs}: {_format_metrics(row)}, "
                f"{row['examples_per_sec']:.0f} examples/s",
                file=stream,
                flush=True,
            )

    def on_fit_end(self, trainer: Trainer) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class MetricsLogger(Callback):
    """Keep ``metrics.csv`` and ``metrics.jsonl`` in a folder equal to the history."""

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
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        min_interval: float = 10.0,
        title: str | None = None,
    ) -> None:
        self.path = None if path is None else Path(path)
        self.min_interval = min_interval
        self.title = title
        self._live: Any = None
        self._drawn_at = -math.inf
        self._drawn_epoch = -1

    def on_fit_start(self, trainer: Trainer) -> None:
        from d2lkit.viz import LiveFigure, in_notebook, preload_matplotlib

        self._live = LiveFigure() if in_notebook() else None
        self._drawn_at = time.monotonic()  # the first epoch is not drawn at once
        preload_matplotlib()  # overlaps the import with the first epoch

    def _save(self, trainer: Trainer) -> None:
        if self.path is None or not trainer.history or self._drawn_epoch == trainer.epoch:
            return
        from d2lkit.viz import save_history_plot

        save_history_plot(trainer.history, self.path, title=self.title)
        self._drawn_at, self._drawn_epoch = time.monotonic(), trainer.epoch

    def on_epoch_end(self, trainer: Trainer) -> None:
        if self._live is not None:  # a notebook redraws every epoch, as the book does
            from d2lkit.viz import plot_history

            self._live.update(plot_history(trainer.history, title=self.title))
        last = trainer.epoch >= trainer.epochs
        if last or time.monotonic() - self._drawn_at >= self.min_interval:
            self._save(trainer)

    def on_fit_end(self, trainer: Trainer) -> None:
        self._save(trainer)  # also after an early stop


class Checkpoint(Callback):
    """Save the whole training state (atomically) after every ``every`` epochs and at the end."""

    order = 100

    def __init__(self, path: str | os.PathLike[str], every: int = 1) -> None:
        self.path = Path(path)
        self.every = every

    def on_epoch_end(self, trainer: Trainer) -> None:
        if trainer.epoch % self.every == 0 or trainer.epoch == trainer.epochs:
            save_checkpoint(trainer.state_dict(), self.path)


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs."""

    def __init__(
        self,
        monitor: str = "valid_loss",
        mode: str = "min",
        patience: int = 3,
        min_delta: float = 0.0,
    ) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        self.monitor, self.mode, self.patience, self.min_delta = monitor, mode, patience, min_delta
        self.best = math.inf if mode == "min" else -math.inf
        self.bad_epochs = 0

    def _improved(self, value: float) -> bool:
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, trainer: Trainer) -> None:
        row = trainer.history[-1]
        if self.monitor not in row:
            raise KeyError(
                f"EarlyStopping monitors {self.monitor!r}, which the history lacks; "
                f"it has {', '.join(row)}"
            )
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
