"""Drawing: training curves (PNG or live in a notebook), attention heatmaps.

matplotlib is imported lazily.
"""

from d2lkit.viz.curves import (
    default_curves,
    plot_history,
    preload_matplotlib,
    save_history_plot,
)
from d2lkit.viz.heatmaps import save_figure, show_heatmaps
from d2lkit.viz.live import LiveFigure, in_notebook

__all__ = [
    "LiveFigure",
    "default_curves",
    "in_notebook",
    "plot_history",
    "preload_matplotlib",
    "save_figure",
    "save_history_plot",
    "show_heatmaps",
]
