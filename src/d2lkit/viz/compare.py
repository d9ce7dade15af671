"""Several runs' curves on one figure: one panel per figure, one line per run."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["plot_runs"]

History = Sequence[Mapping[str, Any]]


def plot_runs(
    histories: Mapping[str, History], curves: Sequence[str], *, panel_size: float = 3.6
) -> Figure:
    """Draw each of ``curves`` (history columns) against the epoch, a line per named run.

    A run without a column, or without it at some epoch (BLEU every tenth
    epoch), simply has no points there.
    """
    from matplotlib.figure import Figure

    if not curves:
        raise ValueError("no figure to draw: give at least one history column")
    cols = min(3, len(curves))
    rows = -(-len(curves) // cols)
    size = (panel_size * cols, panel_size * 0.8 * rows)
    fig = Figure(figsize=size, layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).reshape(-1)
    for ax in axes[len(curves) :]:
        ax.set_visible(False)
    for ax, key in zip(axes, curves, strict=False):
        for label, history in histories.items():
            points = [(r["epoch"], r[key]) for r in history if isinstance(r.get(key), int | float)]
            if points:
                epochs, values = zip(*points, strict=True)
                ax.plot(epochs, values, marker="o" if len(points) < 2 else None, label=label)
        ax.set_title(key.replace("_", " "))
        ax.set_xlabel("epoch")
        ax.grid(True, alpha=0.3)
    axes[0].legend(fontsize="small")
    return fig
