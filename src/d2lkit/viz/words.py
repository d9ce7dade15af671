"""Word vectors at a glance (d2l 14.4, 14.7): each query's nearest words, and analogies.

Returns a ``matplotlib.figure.Figure`` (no pyplot, no global state), which a
notebook shows and :func:`~d2lkit.viz.curves.save_figure` writes as a PNG.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["show_nearest_words"]


def show_nearest_words(
    similar: Mapping[str, Sequence[tuple[str, float]]],
    analogies: Mapping[str, str] | None = None,
    *,
    title: str | None = None,
) -> Figure:
    """One bar chart per query word (its neighbours by cosine similarity), then the analogies.

    Args:
        similar: query word -> ``[(word, cosine), ...]``, nearest first.
        analogies: ``"a : b :: c :"`` -> the word found for d.
        title: drawn above everything.
    """
    from matplotlib.figure import Figure

    analogies = dict(analogies or {})
    panels = len(similar) + (1 if analogies else 0)
    fig = Figure(figsize=(3.2 * max(panels, 1), 2.6), layout="constrained")
    axes = fig.subplots(1, max(panels, 1), squeeze=False)[0]
    for ax, (query, found) in zip(axes, similar.items(), strict=False):
        words = [w for w, _ in found][::-1]  # nearest on top
        ax.barh(words, [c for _, c in found][::-1], color="tab:blue")
        ax.set_xlim(min(0.0, *(c for _, c in found)) if found else 0.0, 1.0)
        ax.set_xlabel("cosine similarity")
        ax.set_title(f"nearest to {query!r}")
    if analogies:
        ax = axes[len(similar)]
        ax.axis("off")
        lines = [f"{question} {answer}" for question, answer in analogies.items()]
        ax.text(0.0, 1.0, "analogies\n\n" + "\n".join(lines), va="top", family="monospace")
    if not panels:
        axes[0].axis("off")
        axes[0].text(0.5, 0.5, "no query word is in the vocabulary", ha="center")
    if title:
        fig.suptitle(title)
    return fig
