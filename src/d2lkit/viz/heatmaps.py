"""Attention weights as a grid of heatmaps: the picture of the book's ``show_heatmaps`` (10.1).

``matrices`` is 4-D, ``(rows, columns, queries, keys)``: one heatmap per
(row, column), e.g. one row per layer and one column per head. Built on
``matplotlib.figure.Figure`` (no pyplot state), imported lazily.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["show_heatmaps"]


def _as_grid(matrices: Any) -> list[list[Any]]:
    """A 2-, 3- or 4-D array (tensor or nested lists) as rows of 2-D numpy arrays."""
    import numpy as np

    if hasattr(matrices, "detach"):  # a torch tensor, possibly on a GPU
        matrices = matrices.detach().float().cpu().numpy()
    array = np.asarray(matrices, dtype=float)
    if array.ndim < 2 or array.ndim > 4:
        raise ValueError(
            f"heatmaps need a 2-D to 4-D array (rows, columns, queries, keys), got {array.ndim}-D"
        )
    array = array.reshape((1,) * (4 - array.ndim) + array.shape)
    return [list(row) for row in array]


def show_heatmaps(
    matrices: Any,
    xlabel: str = "Keys",
    ylabel: str = "Queries",
    titles: Sequence[str] | None = None,
    figsize: tuple[float, float] = (2.5, 2.5),
    cmap: str = "Reds",
    xticklabels: Sequence[str] | None = None,
    yticklabels: Sequence[str] | None = None,
) -> Figure:
    """A grid of heatmaps with one shared colour bar; the book's ``show_heatmaps``.

    Args:
        matrices: ``(rows, columns, queries, keys)``; 2-D or 3-D arrays are one row.
        xlabel, ylabel: axis labels, on the bottom row and the first column.
        titles: one title per column (e.g. ``Head 1`` ...).
        figsize: the size of one heatmap in inches.
        xticklabels, yticklabels: token names for the keys and queries, if wanted.
    """
    from matplotlib.figure import Figure

    grid = _as_grid(matrices)
    num_rows, num_cols = len(grid), len(grid[0])
    if titles is not None and len(titles) != num_cols:
        raise ValueError(f"{len(titles)} titles for {num_cols} columns of heatmaps")
    fig = Figure(figsize=(figsize[0] * num_cols, figsize[1] * num_rows), layout="constrained")
    axes = fig.subplots(num_rows, num_cols, sharex=True, sharey=True, squeeze=False)
    image = None
    for i, row in enumerate(grid):
        for j, matrix in enumerate(row):
            ax = axes[i, j]
            image = ax.imshow(matrix, cmap=cmap, vmin=0.0)
            if xticklabels is not None:
                ax.set_xticks(range(len(xticklabels)), list(xticklabels), rotation=90)
            if yticklabels is not None:
                ax.set_yticks(range(len(yticklabels)), list(yticklabels))
            if i == num_rows - 1:
                ax.set_xlabel(xlabel)
            if j == 0:
                ax.set_ylabel(ylabel)
            if titles is not None and i == 0:
                ax.set_title(titles[j])
    if image is not None:
        fig.colorbar(image, ax=axes, shrink=0.6)
    return fig
