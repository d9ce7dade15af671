"""Training curves: the picture the book's ``Animator`` draws, from a history.

Figures are built with ``matplotlib.figure.Figure`` rather than pyplot: no
global state, no GUI backend, safe to call from a training loop or a thread.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from d2lkit.atomic import atomic_path

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "default_curves",
    "plot_history",
    "save_figure",
    "save_history_plot",
]

History = Sequence[Mapping[str, Any]]


# Columns the trainer writes about the run itself, not about the model.
_BOOKKEEPING = ("epoch", "lr", "train_time", "epoch_time")


def default_curves(history: History) -> list[str]:
    """Every figure column of the history: all numeric columns but epoch, lr and timings.

    Callers that know which figures matter (the trainer's ``curves()``) pass them instead.
    """
    if not history:
        return []
    return [
        k
        for k, v in history[-1].items()
        if k not in _BOOKKEEPING and not k.endswith("_per_sec") and isinstance(v, int | float)
    ]


def plot_history(
    history: History,
    curves: Sequence[str] | None = None,
    *,
    title: str | None = None,
    figsize: tuple[float, float] = (5.0, 3.5),
    yscale: str = "linear",
) -> Figure:
    """Draw one line per metric against the epoch number (a notebook shows it as an image)."""
    from matplotlib.figure import Figure

    from d2lkit.viz.live import in_notebook, show_figures_as_png

    if in_notebook():
        show_figures_as_png()

    curves = list(curves) if curves is not None else default_curves(history)
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    epochs = [row["epoch"] for row in history]
    for key in curves:
        ax.plot(
            epochs,
            [row.get(key, float("nan")) for row in history],
            marker="o" if len(history) < 2 else None,
            label=key.replace("_", " "),
        )
    ax.set_xlabel("epoch")
    ax.set_yscale(yscale)
    ax.grid(True, alpha=0.3)
    if epochs:
        ax.set_xlim(min(epochs) - 0.5 if len(epochs) == 1 else 1, max(epochs) + 0.05)
    if curves:
        ax.legend()
    if title:
        ax.set_title(title)
    return fig


def save_figure(fig: Figure, path: str | os.PathLike[str], dpi: int = 120) -> Path:
    """Write a figure as PNG (to a temporary name, then renamed: never half-written)."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, format="png")
    return Path(path)


def save_history_plot(
    history: History,
    path: str | os.PathLike[str],
    curves: Sequence[str] | None = None,
    *,
    title: str | None = None,
    yscale: str = "linear",
) -> Path:
    """Render the curves to a PNG (written to a temporary name, then renamed)."""
    return save_figure(plot_history(history, curves, title=title, yscale=yscale), path)
