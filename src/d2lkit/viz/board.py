"""Named lines that grow point by point while a loop runs, redrawn at most once a second.

This is the drawing behind d2l 1.0's ``ProgressBoard``: ``draw(x, y, label,
every_n)`` collects raw points per label and, every ``every_n`` of them, adds
their mean as one point of that label's line (``every_n`` smooths a noisy
per-batch loss). Where the figure goes is :class:`~d2lkit.viz.display.FigureSink`'s
choice, as for :class:`~d2lkit.viz.animator.Animator`: a notebook output updated
in place, a window, or a PNG file.

Two things keep drawing cheap, so it never dominates a training epoch:

- values may be tensors on any device; they are kept as they are and read
  (one host wait) only when ``every_n`` of them make a point, not per batch;
- the figure is redrawn at most every :data:`MIN_INTERVAL` seconds (a PNG file
  at most every :data:`~d2lkit.viz.display.SAVE_EVERY` seconds), counted from
  the first point: a redraw that falls inside the interval is deferred, and
  :meth:`Board.flush` (called by the trainer at the end of ``fit``, at the end
  of every notebook cell and when the process exits) draws the last state. A
  fit shorter than the interval is drawn once, at its end (a redraw renders
  the whole figure: about 0.1 s, as long as a small model's epoch).
"""

from __future__ import annotations

import atexit
import collections
import logging
import time
import weakref
from collections.abc import Sequence
from typing import Any, NamedTuple

from d2lkit.viz.display import SAVE_EVERY, FigureSink

__all__ = ["MIN_INTERVAL", "Board", "Point", "flush_boards"]

log = logging.getLogger(__name__)

MIN_INTERVAL = 1.0  # seconds between two redraws while points keep coming (a redraw: ~0.1 s)

_PENDING: weakref.WeakSet[Board] = weakref.WeakSet()
_HOOKED = {"notebook": False}


class Point(NamedTuple):
    """One point of a line: ``(x, y)``."""

    x: Any
    y: Any


def _mean(values: Sequence[Any]) -> float:
    """The mean of numbers, numpy scalars or tensors, as a float (one host wait for tensors)."""
    if len(values) == 1:
        return float(values[0])
    tensors = [v for v in values if hasattr(v, "detach")]
    if not tensors:
        return float(sum(float(v) for v in values) / len(values))
    import torch

    device = tensors[0].device
    stacked = torch.stack(
        [torch.as_tensor(v, device=device).detach().reshape(()).to(torch.float64) for v in values]
    )
    return float(stacked.mean())


class Board:
    """Lines keyed by label, smoothed by ``every_n`` and redrawn at most every ``min_interval`` s.

    Attributes (all may be changed at any time; the next redraw uses them):
        xlabel, ylabel, xlim, ylim, xscale, yscale: the axes' settings.
        ls, colors: line styles and colours, one per label in order of first use.
        fig, axes: the figure and axes drawn on (made on the first redraw unless given).
        figsize: the figure's size in inches.
        display: False collects points without ever drawing.
        raw_points: label -> the points not yet averaged into a line point.
        data: label -> the line's points (:class:`Point`), in order.
    """

    def __init__(
        self,
        xlabel: str | None = None,
        ylabel: str | None = None,
        xlim: Sequence[float] | None = None,
        ylim: Sequence[float] | None = None,
        xscale: str = "linear",
        yscale: str = "linear",
        ls: Sequence[str] = ("-", "--", "-.", ":"),
        colors: Sequence[str] = ("C0", "C1", "C2", "C3"),
        fig: Any = None,
        axes: Any = None,
        figsize: tuple[float, float] = (3.5, 2.5),
        display: bool = True,
        *,
        name: str = "board",
        min_interval: float = MIN_INTERVAL,
    ) -> None:
        self.xlabel, self.ylabel = xlabel, ylabel
        self.xlim, self.ylim = xlim, ylim
        self.xscale, self.yscale = xscale, yscale
        self.ls, self.colors = ls, colors
        self.fig, self.axes = fig, axes
        self.figsize = figsize
        self.display = display
        self.raw_points: collections.OrderedDict[str, list[Point]] = collections.OrderedDict()
        self.data: collections.OrderedDict[str, list[Point]] = collections.OrderedDict()
        self._name = name
        self._min_interval = min_interval
        self._sink: FigureSink | None = None  # made on the first redraw: names files in order
        self._drawn_at: float | None = None  # the first redraw waits an interval too
        self._pending = False

    # --- points ----------------------------------------------------------------------

    def add(self, x: Any, y: Any, label: str, every_n: int = 1) -> bool:
        """Collect ``(x, y)`` under ``label``; True when it completed a line point.

        Every ``every_n`` raw points become one line point, their mean. With
        ``every_n`` below 1 (fewer batches than points wanted) no point is made,
        as in the book.
        """
        points = self.raw_points.setdefault(label, [])
        line = self.data.setdefault(label, [])
        points.append(Point(x, y))
        if len(points) != every_n:
            return False
        line.append(Point(_mean([p.x for p in points]), _mean([p.y for p in points])))
        points.clear()
        return True

    def draw(self, x: Any, y: Any, label: str, every_n: int = 1) -> None:
        """Add a point (see :meth:`add`) and redraw if a line point was made and it is time."""
        if self.add(x, y, label, every_n) and self.display:
            self.show()

    # --- drawing ---------------------------------------------------------------------

    @property
    def sink(self) -> FigureSink:
        if self._sink is None:
            self._sink = FigureSink(self._name)
        return self._sink

    def _interval(self) -> float:
        return max(self._min_interval, SAVE_EVERY if self.sink.mode == "file" else 0.0)

    def show(self, force: bool = False) -> None:
        """Redraw now if ``force`` or the last redraw is old enough; otherwise defer it."""
        if not self.display or not self.data:
            return
        if self._drawn_at is None:
            self._drawn_at = time.monotonic()
        if not force and time.monotonic() - self._drawn_at < self._interval():
            self._pending = True
            _PENDING.add(self)
            _hook_notebook(self.sink.mode)
            return
        fig = self.render()
        if force and self.sink.mode == "file":
            self.sink.save(fig)
        else:
            self.sink.show(fig)
        self._drawn_at = time.monotonic()
        self._pending = False
        _PENDING.discard(self)

    def flush(self) -> None:
        """Draw a redraw that was deferred (nothing if the figure shows the last points)."""
        if self._pending:
            self.show(force=True)

    def render(self) -> Any:
        """Draw every line on the axes and return the figure."""
        axes = self._axes()
        axes.cla()
        handles, labels = [], []
        for (label, line), ls, color in zip(self.data.items(), self.ls, self.colors, strict=False):
            (handle,) = axes.plot(
                [p.x for p in line], [p.y for p in line], linestyle=ls, color=color
            )
            handles.append(handle)
            labels.append(label)
        if self.xlim:
            axes.set_xlim(self.xlim)
        if self.ylim:
            axes.set_ylim(self.ylim)
        axes.set_xlabel(self.xlabel)
        axes.set_ylabel(self.ylabel)
        axes.set_xscale(self.xscale)
        axes.set_yscale(self.yscale)
        axes.legend(handles, labels)
        return self.fig

    def _axes(self) -> Any:
        if self.axes is not None:
            self.fig = self.fig if self.fig is not None else self.axes.figure
            return self.axes
        if self.fig is None:
            if self.sink.mode == "window":
                import matplotlib.pyplot as plt

                self.fig = plt.figure(figsize=self.figsize)
            else:  # no pyplot: nothing shows the figure twice or keeps it alive
                from matplotlib.figure import Figure

                self.fig = Figure(figsize=self.figsize)
        if not self.fig.axes:
            self.fig.add_subplot()
        return self.fig.axes[0]


def flush_boards() -> None:
    """Draw every board whose last redraw was deferred (end of a notebook cell, exit)."""
    for board in list(_PENDING):
        try:
            board.flush()
        except Exception:  # never let a drawing error end a cell or the interpreter noisily
            log.debug("could not draw a board", exc_info=True)


def _hook_notebook(mode: str) -> None:
    """In a notebook, flush deferred redraws when each cell finishes."""
    if mode != "notebook" or _HOOKED["notebook"]:
        return
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:
        shell.events.register("post_run_cell", lambda *args: flush_boards())
        _HOOKED["notebook"] = True


atexit.register(flush_boards)
