"""Chapter 11's callbacks: the book's full-training-set loss log (airfoil) and the lr curve."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from d2lkit.metric import METRICS
from d2lkit.train import Callback, Step, StepLogger, Trainer
from d2lkit.viz import save_figure, show_lines

__all__ = ["AirfoilLog", "LrCurve", "airfoil_callbacks", "lr_curve_callbacks"]


class AirfoilLog(StepLogger):
    """The book's ``train_ch11`` log: full-training-set loss every ``every`` examples.

    A :class:`StepLogger` over the full loader that also times its own
    evaluations, so each epoch's row gains ``full_loss`` (the loss over the
    whole training set at the epoch's end, the figure the book prints),
    ``sec_per_epoch`` (training time without the logging, the book's timer
    stops while it evaluates) and ``sec_per_log`` (what the book prints as
    "sec/epoch": its ``timer.avg()``, the mean time between log points). At
    the end it draws ``loss.png``: loss against epochs, as the book's plot.
    """

    metrics = tuple(METRICS.get(name) for name in ("full_loss", "sec_per_epoch", "sec_per_log"))

    def __init__(self, path: str | Path, every: int, loader: Any) -> None:
        super().__init__(path, every, loader)
        self._logging = 0.0  # seconds spent logging in this epoch
        self._training = 0.0  # seconds spent training (logging left out), all epochs

    def on_epoch_start(self, trainer: Trainer) -> None:
        self._logging = 0.0

    def on_batch_end(self, trainer: Trainer, step: Step) -> None:
        start = time.perf_counter()
        super().on_batch_end(trainer, step)
        self._logging += time.perf_counter() - start

    def on_row(self, trainer: Trainer, row: dict[str, Any]) -> None:
        row["full_loss"] = trainer.evaluate(self.loader)["loss"]
        row["sec_per_epoch"] = row["train_time"] - self._logging
        self._training += row["sec_per_epoch"]
        # The figure the book prints as "sec/epoch": its timer.avg(), the mean
        # training time between two log points.
        row["sec_per_log"] = self._training / max(len(self.rows), 1)

    def on_fit_end(self, trainer: Trainer) -> None:
        super().on_epoch_end(trainer)  # steps.csv, also after a stopped run
        if not self.rows:
            return
        fig = show_lines(
            [r["epoch"] for r in self.rows],
            {"loss": [r["loss"] for r in self.rows]},
            xlabel="epoch",
            ylabel="loss (whole training set)",
        )
        save_figure(fig, self.path.with_name("loss.png"))


def airfoil_callbacks(run: Any) -> list[Callback]:
    """The recipe's callbacks: :class:`AirfoilLog` every 200 examples, as the book logs."""
    return [AirfoilLog(run.run_dir / "steps.csv", 200, run.data.extras["full"])]


# --- learning-rate schedules (11.11) -------------------------------------------------


class LrCurve(Callback):
    """Draw the learning rate of every epoch (the history's ``lr`` column) to ``lr.png``."""

    def __init__(self, path: str | Path, title: str | None = None) -> None:
        self.path = Path(path)
        self.title = title

    def on_fit_end(self, trainer: Trainer) -> None:
        if not trainer.history:
            return
        epochs = [row["epoch"] for row in trainer.history]
        fig = show_lines(
            epochs,
            {"lr": [row["lr"] for row in trainer.history]},
            xlabel="epoch",
            ylabel="learning rate",
            title=self.title,
        )
        save_figure(fig, self.path)


def lr_curve_callbacks(run: Any) -> list[Callback]:
    """The recipe's callbacks: the lr curve as ``lr.png`` in the run folder."""
    name = run.config.sched.name or "constant"
    return [LrCurve(run.run_dir / "lr.png", title=f"{run.recipe.name} ({name})")]
