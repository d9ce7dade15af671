"""A figure that redraws in place in a Jupyter notebook (the book's live plot)."""

from __future__ import annotations

import io
import sys
from typing import Any

__all__ = ["LiveFigure", "in_notebook", "show_figures_as_png"]


def in_notebook() -> bool:
    """True inside a Jupyter kernel (not a plain terminal or IPython shell)."""
    if sys.modules.get("IPython") is None:  # a kernel has imported it; a script need not
        return False
    from IPython import get_ipython

    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def show_figures_as_png() -> None:
    """Make the notebook show a matplotlib ``Figure`` as a PNG, not as ``<Figure size ...>``.

    IPython draws figures only after ``%matplotlib inline`` (which registers a
    PNG formatter); ours are built without pyplot, so without this a returned or
    displayed figure is text. A formatter already registered is kept.
    """
    from IPython import get_ipython
    from matplotlib.figure import Figure

    shell = get_ipython()
    if shell is None:
        return
    png = shell.display_formatter.formatters["image/png"]
    try:
        png.lookup_by_type(Figure)
    except KeyError:
        png.for_type(Figure, _png)


def _png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


class LiveFigure:
    """Display a figure once, then replace it on each ``update``."""

    def __init__(self) -> None:
        self._handle: Any = None

    def update(self, fig: Any) -> None:
        from IPython.display import display

        show_figures_as_png()
        if self._handle is None:
            self._handle = display(fig, display_id=True)
        else:
            self._handle.update(fig)
