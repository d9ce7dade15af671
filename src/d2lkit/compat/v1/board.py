"""``ProgressBoard``: d2l 1.0's live training curves, drawn by :class:`d2lkit.viz.board.Board`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from d2lkit.compat.v1.hyperparameters import HyperParameters
from d2lkit.viz.board import Board

__all__ = ["ProgressBoard"]


class ProgressBoard(Board, HyperParameters):
    """The board that plots data points in animation: ``draw(x, y, label, every_n=1)``.

    As in the book, ``every_n`` points of a label are averaged into one and
    ``data[label]`` holds the drawn points (``.x``, ``.y``). Unlike the book,
    values stay on their device until a point is complete, and the figure is
    redrawn at most once a second (a notebook output updated in place,
    a window, or ``d2l-plots/board.png`` headless; see docs/compat.md).
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
    ) -> None:
        Board.__init__(
            self, xlabel, ylabel, xlim, ylim, xscale, yscale, ls, colors, fig, axes, figsize,
            display,
        )  # fmt: skip
        self.save_hyperparameters()
