"""Drawing: training curves, the book's Animator and plot helpers. matplotlib is imported lazily."""

from d2lkit.viz.animator import Animator
from d2lkit.viz.curves import (
    default_curves,
    plot_history,
    preload_matplotlib,
    save_history_plot,
)
from d2lkit.viz.display import FigureSink
from d2lkit.viz.live import LiveFigure, in_notebook

__all__ = [
    "Animator",
    "FigureSink",
    "LiveFigure",
    "default_curves",
    "in_notebook",
    "plot_history",
    "preload_matplotlib",
    "save_history_plot",
]
