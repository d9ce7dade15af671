"""Optimisation traces (d2l 11.3-11.10): the path of x over a 1-D curve or a 2-D contour.

The book's ``show_trace`` and ``show_trace_2d`` draw into pyplot's global
figure; these return a ``matplotlib.figure.Figure`` (no global state, no GUI
backend), which a notebook shows and :func:`save_figure` writes as a PNG.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["show_lines", "show_trace", "show_trace_2d"]


def show_trace(
    results: Sequence[float],
    f: Callable[[Any], Any],
    *,
    title: str | None = None,
    figsize: tuple[float, float] = (3.5, 2.5),
) -> Figure:
    """The curve ``f`` over the range the iterates visit, and the iterates on it.

    Args:
        results: x after each step, the start included.
        f: the objective; called on a numpy array.
    """
    import numpy as np
    from matplotlib.figure import Figure

    xs = np.asarray([float(x) for x in results])
    n = max(float(np.abs(xs).max()), 1.0) if xs.size else 1.0
    line = np.arange(-n, n, 0.01)
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    ax.plot(line, [float(f(x)) for x in line], "-", label="f(x)")
    ax.plot(xs, [float(f(x)) for x in xs], "-o", color="tab:orange", label="x_t")
    ax.set_xlabel("x")
    ax.set_ylabel("f(x)")
    if title:
        ax.set_title(title)
    return fig


def show_trace_2d(
    f: Callable[[Any, Any], Any],
    results: Sequence[tuple[float, float]],
    *,
    title: str | None = None,
    figsize: tuple[float, float] = (3.5, 2.5),
) -> Figure:
    """Contours of ``f(x1, x2)`` and the path of the iterates (the book's ``show_trace_2d``).

    Args:
        f: the objective; called on numpy meshgrids.
        results: (x1, x2) after each step, the start included.
    """
    import numpy as np
    from matplotlib.figure import Figure

    path = np.asarray([(float(a), float(b)) for a, b in results]).reshape(-1, 2)
    # The book's window, (-5.5, 1) x (-3, 1), widened when the path leaves it.
    lo = np.minimum(path.min(axis=0) - 0.5, (-5.5, -3.0)) if path.size else (-5.5, -3.0)
    hi = np.maximum(path.max(axis=0) + 0.5, (1.0, 1.0)) if path.size else (1.0, 1.0)
    x1, x2 = np.meshgrid(np.arange(lo[0], hi[0], 0.1), np.arange(lo[1], hi[1], 0.1))
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    ax.contour(x1, x2, f(x1, x2), colors="#1f77b4")
    ax.plot(path[:, 0], path[:, 1], "-o", color="#ff7f0e")
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    if title:
        ax.set_title(title)
    return fig


def show_lines(
    x: Sequence[float],
    ys: dict[str, Sequence[float]],
    *,
    xlabel: str,
    ylabel: str = "",
    title: str | None = None,
    yscale: str = "linear",
    figsize: tuple[float, float] = (4.5, 3.0),
) -> Figure:
    """One line per named series against a shared x (a learning-rate curve, a cost curve)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    for label, y in ys.items():
        ax.plot(list(x), list(y), label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_yscale(yscale)
    ax.grid(True, alpha=0.3)
    if len(ys) > 1:
        ax.legend()
    if title:
        ax.set_title(title)
    return fig
