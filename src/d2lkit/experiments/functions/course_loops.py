"""The course's hand-written loops of lessons 2-4, the bodies of function recipes.

Imported only when a recipe runs (``recipes.courses`` imports no torch). The loops
are written the way the course writes them (y = w x on x = 1, 2, 3 and
y = 2x), so a reader can hold one beside the other; each returns the final
figures and writes its plot and a per-epoch CSV into the run folder.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import torch

from d2lkit.experiments.config import RunConfig
from d2lkit.viz import save_figure, show_lines

__all__ = ["X_DATA", "Y_DATA", "backprop", "exhaustive", "gradient_descent", "stochastic_gd"]

X_DATA = [1.0, 2.0, 3.0]
Y_DATA = [2.0, 4.0, 6.0]  # y = 2x: the course's w is 2
W0 = 1.0  # the course's starting guess


def _write_rows(path: Path, header: tuple[str, ...], rows: Sequence[tuple[float, ...]]) -> None:
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def _cost(w: float) -> float:
    """Mean squared error of y_hat = w x over the three points."""
    return sum((w * x - y) ** 2 for x, y in zip(X_DATA, Y_DATA, strict=True)) / len(X_DATA)


def exhaustive(config: RunConfig, run_dir: Path) -> dict[str, float]:
    """Lesson 2: the MSE for every w in 0.0, 0.1, ..., 4.0; the best w is 2 (cost 0)."""
    ws = [round(0.1 * i, 10) for i in range(41)]  # np.arange(0.0, 4.1, 0.1)
    costs = [_cost(w) for w in ws]
    _write_rows(run_dir / "cost.csv", ("w", "mse"), list(zip(ws, costs, strict=True)))
    fig = show_lines(ws, {"MSE": costs}, xlabel="w", ylabel="loss (MSE)", title="cost over w")
    save_figure(fig, run_dir / "cost.png")
    best = min(range(len(ws)), key=costs.__getitem__)
    return {"w": ws[best], "cost": costs[best]}


def _finish(
    run_dir: Path, rows: Sequence[tuple[float, ...]], w: float, label: str
) -> dict[str, float]:
    _write_rows(run_dir / "epochs.csv", ("epoch", "w", "cost"), rows)
    fig = show_lines(
        [r[0] for r in rows], {"cost": [r[2] for r in rows]}, xlabel="epoch", ylabel="cost"
    )
    save_figure(fig, run_dir / "cost.png")
    return {"w": w, "cost": _cost(w), "predict_4": 4 * w, label: rows[-1][2]}


def gradient_descent(config: RunConfig, run_dir: Path) -> dict[str, float]:
    """Lesson 3: w <- w - lr * mean(2 x (x w - y)) over all three points, per epoch."""
    w, lr, rows = W0, config.optim.lr, []
    for epoch in range(config.train.epochs):
        grad = sum(2 * x * (x * w - y) for x, y in zip(X_DATA, Y_DATA, strict=True)) / 3
        cost = _cost(w)  # the course prints the cost before the update
        w -= lr * grad
        rows.append((epoch, w, cost))
    return _finish(run_dir, rows, w, "last_cost")


def stochastic_gd(config: RunConfig, run_dir: Path) -> dict[str, float]:
    """Lesson 3: one update per point, w <- w - lr * 2 x (x w - y); prints the last point's loss."""
    w, lr, rows = W0, config.optim.lr, []
    for epoch in range(config.train.epochs):
        loss = 0.0
        for x, y in zip(X_DATA, Y_DATA, strict=True):
            w -= lr * 2 * x * (x * w - y)
            loss = (x * w - y) ** 2
        rows.append((epoch, w, loss))
    return _finish(run_dir, rows, w, "last_loss")


def backprop(config: RunConfig, run_dir: Path) -> dict[str, float]:
    """Lesson 4: the same per-point loop, the gradient from autograd (``l.backward()``).

    ``w.data`` / ``w.grad.data.zero_()`` as the course writes them: the update
    must not be recorded in the graph, and gradients add up until zeroed.
    """
    w = torch.tensor([W0], requires_grad=True)
    lr, rows = config.optim.lr, []
    for epoch in range(config.train.epochs):
        loss = torch.zeros(())
        for x, y in zip(X_DATA, Y_DATA, strict=True):
            loss = (x * w - y) ** 2  # builds the graph: w -> x w -> (x w - y)^2
            loss.backward()  # d loss / d w = 2 x (x w - y), into w.grad
            w.data = w.data - lr * w.grad.data  # type: ignore[union-attr]
            w.grad.data.zero_()  # type: ignore[union-attr]
        rows.append((epoch, float(w.item()), float(loss.item())))
    return _finish(run_dir, rows, float(w.item()), "last_loss")
