"""Drawing: training curves (PNG or live in a notebook), the book's Animator and plot
helpers, optimisation traces, heatmaps. matplotlib is imported lazily.
"""

from d2lkit.viz.animator import Animator
from d2lkit.viz.curves import (
    default_curves,
    plot_history,
    save_figure,
    save_history_plot,
)
from d2lkit.viz.display import FigureSink
from d2lkit.viz.heatmaps import show_heatmaps
from d2lkit.viz.live import LiveFigure, in_notebook, show_figures_as_png
from d2lkit.viz.traces import show_lines, show_trace, show_trace_2d

__all__ = [
    "Animator",
    "FigureSink",
    "LiveFigure",
    "default_curves",
    "in_notebook",
    "plot_history",
    "save_figure",
    "save_history_plot",
    "show_figures_as_png",
    "show_heatmaps",
    "show_lines",
    "show_trace",
    "show_trace_2d",
]
