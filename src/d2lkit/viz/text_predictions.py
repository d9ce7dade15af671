"""Sentences and what a model said of them (15.2-15.7): one line each, as a figure.

Sentiment, inference and masked-word recipes write it as a PNG into their run
folder. Long texts are cut with an ellipsis; a prediction judged against a
known label is drawn green when right and red when wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["shorten", "show_text_predictions"]

_COLORS = {True: "tab:green", False: "tab:red", None: "black"}


def shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, the last an ellipsis when anything was cut."""
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def show_text_predictions(
    rows: Sequence[tuple[str, str]],
    correct: Sequence[bool | None] | None = None,
    *,
    title: str | None = None,
    width: int = 70,
) -> Figure:
    """A figure listing each ``(text, prediction)``; ``correct[i]`` colours prediction i.

    Args:
        rows: the input text and what the model made of it, one pair per line.
        correct: per row True (green), False (red) or None (black); default all None.
        title: drawn above the lines.
        width: texts longer than this many characters are shortened.
    """
    from matplotlib.figure import Figure

    verdicts = list(correct) if correct is not None else [None] * len(rows)
    if len(verdicts) != len(rows):
        raise ValueError(f"{len(rows)} rows but {len(verdicts)} verdicts")
    height = 0.8 + 0.32 * max(len(rows), 1)
    fig = Figure(figsize=(10, height), layout="constrained")
    ax = fig.add_subplot()
    ax.axis("off")
    ax.set_xlim(0, 1)
    ax.set_ylim(-len(rows) - 0.5, 0.5)
    for i, ((text, prediction), verdict) in enumerate(zip(rows, verdicts, strict=True)):
        ax.text(0.0, -i, shorten(text, width), va="center", family="monospace", fontsize=9)
        ax.text(0.72, -i, prediction, va="center", color=_COLORS[verdict], fontsize=9)
    if not rows:
        ax.text(0.5, 0, "nothing to show", ha="center")
    if title:
        ax.set_title(title, loc="left")
    return fig
