"""Chapter 11's traces of gradient descent, SGD and Newton's method (11.3, 11.4).

They are the bodies of *function recipes*: each reads the step size from
``optim.lr`` and the number of steps from ``train.epochs``, writes
``trace.png`` and ``trace.csv`` into the run folder and returns the final
figures. Imported only when such a recipe runs.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from d2lkit.experiments.config import RunConfig
from d2lkit.viz import save_figure, show_trace, show_trace_2d

__all__ = ["OBJECTIVES_1D", "gd_1d", "gd_2d", "newton_1d", "sgd_2d"]

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
