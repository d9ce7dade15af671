"""A figure that redraws in place in a Jupyter notebook (the book's live plot)."""

from __future__ import annotations

from typing import Any

__all__ = ["LiveFigure", "in_notebook"]


def in_notebook() -> bool:
    """True inside a Jupyter kernel (not a plain terminal or IPython shell)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


class LiveFigure:
    """Display a figure once, then replace it on each ``update``."""

    def __init__(self) -> None:
        self._handle: Any = None

    def update(self, fig: Any) -> None:
        from IPython.display import display

        if self._handle is None:
            self._handle = display(fig, display_id=True)
        else:
            self._handle.update(fig)
