"""A line plot that grows point by point while a loop runs (the book's ``Animator``).

``add(x, ys)`` appends one point per line (``None`` skips a line) and
redraws; :class:`~d2lkit.viz.display.FigureSink` decides whether that is an
inline notebook image updated in place, a window, or a PNG file.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from d2lkit.viz.display import FigureSink

__all__ = ["Animator", "set_axes"]

FMTS = ("-", "m--", "g-.", "r:")


def _limits(lim: Sequence[float] | None) -> Sequence[float] | None:
    """Equal limits (``xlim=[1, 1]`` after one epoch) would make matplotlib warn: let it choose."""
    return None if lim is not None and len(lim) == 2 and lim[0] == lim[1] else lim


def set_axes(
    axes: Any,
    xlabel: str | None,
    ylabel: str | None,
    xlim: Sequence[float] | None,
    ylim: Sequence[float] | None,
    xscale: str,
    yscale: str,
    legend: Sequence[str] | None,
) -> None:
    """Labels, scales, limits, legend (if any) and a grid on one matplotlib axes."""
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_xscale(xscale)
    axes.set_yscale(yscale)
    axes.set_xlim(_limits(xlim))
    axes.set_ylim(_limits(ylim))
    if legend:
        axes.legend(legend)
    axes.grid()


class Animator:
    """Incremental line plot on ``axes[0]`` of an ``nrows x ncols`` grid.

    Attributes ``X`` and ``Y`` hold the points drawn so far (one list per
    line), ``fig`` and ``axes`` the figure (``axes`` is always a flat list).
    """

    def __init__(
        self,
        xlabel: str | None = None,
        ylabel: str | None = None,
        legend: Sequence[str] | None = None,
        xlim: Sequence[float] | None = None,
        ylim: Sequence[float] | None = None,
        xscale: str = "linear",
        yscale: str = "linear",
        fmts: Sequence[str] = FMTS,
        nrows: int = 1,
        ncols: int = 1,
        figsize: tuple[float, float] = (3.5, 2.5),
        *,
        name: str = "animator",
    ) -> None:
        self.sink = FigureSink(name)
        if self.sink.mode == "window":
            import matplotlib.pyplot as plt

            self.fig, axes = plt.subplots(nrows, ncols, figsize=figsize, squeeze=False)
        else:  # no pyplot: nothing shows the figure twice or keeps it alive
            from matplotlib.figure import Figure

            self.fig = Figure(figsize=figsize)
            axes = self.fig.subplots(nrows, ncols, squeeze=False)
        self.axes = list(axes.flat)
        self._config = (xlabel, ylabel, xlim, ylim, xscale, yscale, list(legend or []))
        self.X: list[list[float]] | None = None
        self.Y: list[list[float]] | None = None
        self.fmts = fmts

    def config_axes(self) -> None:
        set_axes(self.axes[0], *self._config)

    def add(self, x: Any, y: Any) -> None:
        """Append ``(x, y_i)`` to line i for each value (a scalar y means one line)."""
        if not hasattr(y, "__len__"):
            y = [y]
        n = len(y)
        if not hasattr(x, "__len__"):
            x = [x] * n
        if not self.X:
            self.X = [[] for _ in range(n)]
        if not self.Y:
            self.Y = [[] for _ in range(n)]
        for i, (a, b) in enumerate(zip(x, y, strict=False)):
            if a is not None and b is not None:
                self.X[i].append(float(a))
                self.Y[i].append(float(b))
        self.draw()

    def draw(self) -> None:
        ax = self.axes[0]
        ax.cla()
        for xs, ys, fmt in zip(self.X or [], self.Y or [], self.fmts, strict=False):
            ax.plot(xs, ys, fmt)
        self.config_axes()
        self.sink.show(self.fig)

    def save(self, path: Any) -> None:
        """Write the current picture to ``path`` (any format matplotlib knows)."""
        self.fig.savefig(path, bbox_inches="tight")
