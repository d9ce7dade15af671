"""What chapter 11's recipes run: traces of gd/sgd/newton, airfoil logs, lr curves.

Imported only when a recipe runs (``ch11_optimization`` imports no torch).
The trace runners are *function recipes*: ``runner(config, run_dir, root)``
reads the step size from ``optim.lr`` and the number of steps from
``train.epochs``, writes ``trace.png`` and returns the final figures.
"""

from __future__ import annotations

import csv
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from d2lkit.experiments.config import RunConfig
from d2lkit.metric import METRICS
from d2lkit.train import Callback, Step, StepLogger, Trainer
from d2lkit.viz import save_figure, show_lines, show_trace, show_trace_2d

__all__ = [
    "OBJECTIVES_1D",
    "AirfoilLog",
    "LrCurve",
    "gd_1d",
    "gd_2d",
    "newton_1d",
    "sgd_2d",
]

# --- 1-D objectives (11.3) -------------------------------------------------------


@dataclass(frozen=True)
class Objective1D:
    """f, f' and f'' of one variable (f'' only for Newton's method)."""

    f: Callable[[float], float]
    grad: Callable[[float], float]
    hess: Callable[[float], float] | None = None


_C_NONCONVEX = 0.15 * math.pi  # 11.3's nonconvex x cos(cx)
_C_CONVEX = 0.5  # 11.3.3's cosh(cx)

OBJECTIVES_1D: dict[str, Objective1D] = {
    "square": Objective1D(lambda x: x * x, lambda x: 2 * x, lambda x: 2.0),
    "x_cos": Objective1D(
        lambda x: x * math.cos(_C_NONCONVEX * x),
        lambda x: math.cos(_C_NONCONVEX * x) - _C_NONCONVEX * x * math.sin(_C_NONCONVEX * x),
        lambda x: (
            -2 * _C_NONCONVEX * math.sin(_C_NONCONVEX * x)
            - x * _C_NONCONVEX**2 * math.cos(_C_NONCONVEX * x)
        ),
    ),
    "cosh": Objective1D(
        lambda x: math.cosh(_C_CONVEX * x),
        lambda x: _C_CONVEX * math.sinh(_C_CONVEX * x),
        lambda x: _C_CONVEX**2 * math.cosh(_C_CONVEX * x),
    ),
}

_X0 = 10.0  # the book starts every 1-D trace at x = 10


def _vectorised(f: Callable[[float], float]) -> Callable[[Any], Any]:
    import numpy as np

    return np.vectorize(f)


def _trace_1d(
    name: str, results: list[float], objective: Objective1D, run_dir: Path
) -> dict[str, float]:
    fig = show_trace(results, _vectorised(objective.f), title=name)
    save_figure(fig, run_dir / "trace.png")
    _write_trace(run_dir, [(i, x) for i, x in enumerate(results)], ("step", "x"))
    x = results[-1]
    return {"x": x, "f": objective.f(x), "distance": abs(x)}


def gd_1d(config: RunConfig, run_dir: Path, objective: str) -> dict[str, float]:
    """x <- x - eta f'(x) from x = 10 (11.3.1); eta = optim.lr, steps = train.epochs."""
    obj, eta = OBJECTIVES_1D[objective], config.optim.lr
    x, results = _X0, [_X0]
    for _ in range(config.train.epochs):
        x -= eta * obj.grad(x)
        results.append(x)
    return _trace_1d(f"gradient descent, eta={eta:g}", results, obj, run_dir)


def newton_1d(config: RunConfig, run_dir: Path, objective: str) -> dict[str, float]:
    """Newton's method x <- x - eta f'(x) / f''(x) from x = 10 (11.3.3)."""
    obj, eta = OBJECTIVES_1D[objective], config.optim.lr
    assert obj.hess is not None
    x, results = _X0, [_X0]
    for _ in range(config.train.epochs):
        x -= eta * obj.grad(x) / obj.hess(x)
        results.append(x)
    return _trace_1d(f"Newton's method, eta={eta:g}", results, obj, run_dir)


# --- 2-D: f(x1, x2) = x1^2 + 2 x2^2 (11.3.2, 11.4) --------------------------------


def _f_2d(x1: Any, x2: Any) -> Any:
    return x1**2 + 2 * x2**2


def _grad_2d(x1: float, x2: float) -> tuple[float, float]:
    return 2 * x1, 4 * x2


_START_2D = (-5.0, -2.0)  # the book's train_2d start


def _trace_2d(title: str, results: list[tuple[float, float]], run_dir: Path) -> dict[str, float]:
    save_figure(show_trace_2d(_f_2d, results, title=title), run_dir / "trace.png")
    _write_trace(run_dir, [(i, a, b) for i, (a, b) in enumerate(results)], ("step", "x1", "x2"))
    x1, x2 = results[-1]
    return {"x1": x1, "x2": x2, "f": _f_2d(x1, x2), "distance": math.hypot(x1, x2)}


def gd_2d(config: RunConfig, run_dir: Path) -> dict[str, float]:
    """Gradient descent on x1^2 + 2 x2^2 from (-5, -2) (11.3.2)."""
    eta = config.optim.lr
    (x1, x2), results = _START_2D, [_START_2D]
    for _ in range(config.train.epochs):
        g1, g2 = _grad_2d(x1, x2)
        x1, x2 = x1 - eta * g1, x2 - eta * g2
        results.append((x1, x2))
    return _trace_2d(f"gradient descent, eta={eta:g}", results, run_dir)


# 11.4's step-size schedules: eta(t) = eta * lr(t), t counting steps from 1.
_SGD_SCHEDULES: dict[str, Callable[[int], float]] = {
    "constant": lambda t: 1.0,
    "exponential": lambda t: math.exp(-0.1 * t),
    "polynomial": lambda t: (1 + 0.1 * t) ** -0.5,
}


def sgd_2d(config: RunConfig, run_dir: Path, schedule: str) -> dict[str, float]:
    """Stochastic gradient descent: the gradient plus N(0, 1) noise per coordinate (11.4).

    The noise comes from a generator seeded with ``train.seed``: a run is repeatable.
    """
    eta, lr = config.optim.lr, _SGD_SCHEDULES[schedule]
    generator = torch.Generator().manual_seed(config.train.seed)
    (x1, x2), results = _START_2D, [_START_2D]
    for t in range(1, config.train.epochs + 1):
        g1, g2 = _grad_2d(x1, x2)
        n1, n2 = torch.randn(2, generator=generator, dtype=torch.float64).tolist()
        eta_t = eta * lr(t)
        x1, x2 = x1 - eta_t * (g1 + n1), x2 - eta_t * (g2 + n2)
        results.append((x1, x2))
    return _trace_2d(f"SGD, eta={eta:g}, {schedule} lr", results, run_dir)


def _write_trace(run_dir: Path, rows: list[tuple[float, ...]], header: tuple[str, ...]) -> None:
    with open(run_dir / "trace.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


# --- airfoil (11.5-11.10): the loss over the whole training set ---------------------


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

    def __init__(self, path: str | Path, every: int, loader: Any) -> None:
        super().__init__(path, every, loader)
        self._logging = 0.0  # seconds spent logging in this epoch
        self._training = 0.0  # seconds spent training (logging left out), all epochs

    metrics = tuple(METRICS.get(name) for name in ("full_loss", "sec_per_epoch", "sec_per_log"))

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
