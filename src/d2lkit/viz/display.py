"""Where a figure goes: inline in a notebook, a window, or a PNG file said once.

- In a Jupyter kernel a figure is displayed inline and later *updated in
  place* (IPython's ``display_id``), with no ``%matplotlib inline`` needed:
  the image bytes are rendered here, whatever the backend.
- In a script with an interactive matplotlib backend (a desktop session)
  the figure's window is redrawn.
- Otherwise (headless terminals, CI) the figure is written as a PNG under
  ``$D2LKIT_PLOTS`` (default ``./d2l-plots``) and the path is logged once per
  file. Never a bare ``<Figure size ...>`` line.
"""

from __future__ import annotations

import atexit
import io
import logging
import os
import time
import weakref
from pathlib import Path
from typing import Any

from d2lkit.viz.live import in_notebook

__all__ = [
    "FigureSink",
    "interactive_backend",
    "plots_dir",
    "set_image_format",
]

log = logging.getLogger(__name__)

ENV_PLOTS = "D2LKIT_PLOTS"
_FORMAT = {"name": "png"}  # "svg" after use_svg_display()
_SAID: set[Path] = set()
_NAMES: dict[str, int] = {}  # figures made so far per name: animator, animator-2, ...
_PENDING: weakref.WeakSet[FigureSink] = weakref.WeakSet()
SAVE_EVERY = 1.0  # seconds: a loop that redraws often writes its PNG at most this often


def set_image_format(fmt: str) -> None:
    """``png`` or ``svg``: the format of inline notebook images (files are always PNG)."""
    if fmt not in ("png", "svg"):
        raise ValueError(f"image format must be png or svg, got {fmt!r}")
    _FORMAT["name"] = fmt


def plots_dir() -> Path:
    """The folder headless runs write figures to."""
    return Path(os.environ.get(ENV_PLOTS) or "d2l-plots")


def interactive_backend() -> bool:
    """True when pyplot can open windows here (not inline, not Agg, not headless)."""
    import matplotlib

    backend = matplotlib.get_backend().lower()
    if "inline" in backend or backend.startswith("module://"):
        return False
    try:
        from matplotlib import rcsetup

        interactive = {b.lower() for b in getattr(rcsetup, "interactive_bk")}  # noqa: B009
    except AttributeError:  # pragma: no cover - older matplotlib
        interactive = set()
    return backend in interactive


def _render(fig: Any) -> Any:
    from IPython.display import SVG, Image

    buffer = io.BytesIO()
    fmt = _FORMAT["name"]
    fig.savefig(buffer, format=fmt, bbox_inches="tight")
    return SVG(buffer.getvalue()) if fmt == "svg" else Image(buffer.getvalue(), format="png")


class FigureSink:
    """Show one figure again and again, in the right place for this process.

    Args:
        name: the PNG file's stem in headless runs (``animator`` -> ``animator.png``;
            later figures of the same name get ``animator-2.png``, ...).
    """

    def __init__(self, name: str) -> None:
        count = _NAMES[name] = _NAMES.get(name, 0) + 1
        self.name = name if count == 1 else f"{name}-{count}"
        self.mode = "notebook" if in_notebook() else "window" if interactive_backend() else "file"
        self._handle: Any = None
        self.path: Path | None = None
        self._saved_at = -SAVE_EVERY
        self._pending: Any = None

    def show(self, fig: Any) -> None:
        if self.mode == "notebook":
            from IPython.display import display

            image = _render(fig)
            if self._handle is None:
                self._handle = display(image, display_id=True)
            else:
                self._handle.update(image)
        elif self.mode == "window":
            import matplotlib.pyplot as plt

            fig.canvas.draw_idle()
            plt.pause(0.001)
        elif time.monotonic() - self._saved_at >= SAVE_EVERY:
            self.save(fig)
        else:  # written by flush(), at the latest when the process ends
            self._pending = fig
            _PENDING.add(self)

    def flush(self) -> None:
        """Write a figure whose last redraw was not saved yet."""
        if self._pending is not None:
            fig, self._pending = self._pending, None
            self.save(fig)

    def save(self, fig: Any) -> Path:
        """Write the figure as PNG (atomically) and say where, the first time."""
        folder = plots_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.name}.png"
        part = path.with_name(path.name + ".part")
        fig.savefig(part, format="png", bbox_inches="tight")
        os.replace(part, path)
        self.path = path
        self._saved_at = time.monotonic()
        self._pending = None
        if path.resolve() not in _SAID:
            _SAID.add(path.resolve())
            log.warning("plots are saved to %s", path)
        return path


@atexit.register
def _flush_all() -> None:
    for sink in list(_PENDING):
        try:
            sink.flush()
        except Exception:  # pragma: no cover - never fail at interpreter exit
            log.debug("could not write %s", sink.name, exc_info=True)
