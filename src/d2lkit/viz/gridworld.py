"""Value functions and greedy policies on a grid world, one panel per iteration (d2l-en 17.2-17.3).

Each panel shows the state values as a grey map (``bone``: dark is low), the
cell's letter (``S`` start, ``F`` frozen, ``H`` hole, ``G`` goal) and a red
arrow for the policy's action in every cell but holes and the goal. Actions
are FrozenLake's: 0 left, 1 down, 2 right, 3 up. matplotlib is imported on
first use; headless, the figure is also written as a PNG
(:class:`~d2lkit.viz.display.FigureSink`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from d2lkit.viz.display import FigureSink

__all__ = ["ARROWS", "show_policy_progress", "snapshot_indices"]

# (dx, dy) of each action's arrow in image coordinates (y grows downwards)
ARROWS = {0: (-0.25, 0.0), 1: (0.0, 0.25), 2: (0.25, 0.0), 3: (0.0, -0.25)}
_LETTER_STYLE = {"H": ("y", 20), "G": ("w", 20)}  # anything else: green, size 15


def _letter(cell: Any) -> str:
    return cell.decode() if isinstance(cell, bytes) else str(cell)


def snapshot_indices(num_iters: int, count: int = 10) -> list[int]:
    """About ``count`` evenly spaced iterations from 0, and always the last one."""
    step = max(1, num_iters // count)
    indices = list(range(0, num_iters, step))
    return [*indices, num_iters - 1] if indices[-1] != num_iters - 1 else indices


def _draw_panel(ax: Any, desc: np.ndarray, values: np.ndarray, actions: np.ndarray) -> None:
    rows, cols = desc.shape
    ax.imshow(values.reshape(rows, cols), cmap="bone")
    ax.set_xticks(np.arange(cols + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(rows + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="w", linestyle="-", linewidth=3)
    ax.tick_params(which="minor", bottom=False, left=False)
    ax.set_xticks([])
    ax.set_yticks([])
    grid = actions.reshape(rows, cols)
    for y in range(rows):
        for x in range(cols):
            letter = _letter(desc[y, x])
            color, size = _LETTER_STYLE.get(letter, ("g", 15))
            ax.text(x, y, letter, ha="center", va="center", color=color, size=size,
                    fontweight="bold")  # fmt: skip
            if letter not in ("G", "H"):
                dx, dy = ARROWS[int(grid[y, x])]
                ax.arrow(x, y, dx, dy, color="r", head_width=0.2, head_length=0.15)


def show_policy_progress(
    desc: Any, values: Any, policy: Any, steps: Sequence[int] | None = None, *,
    ncols: int = 4, name: str = "policy",
) -> Any:  # fmt: skip
    """One panel per row of ``values``/``policy`` ``(K, cells)``, titled ``Step = n``.

    Args:
        desc: the grid's letters ``(rows, cols)`` (bytes or str, as gym's ``env.desc``).
        values: state values per iteration, ``(K, rows * cols)``.
        policy: the action of every state per iteration, ``(K, rows * cols)``.
        steps: the step number of each panel (default 1..K).
        ncols: panels per row (the book's 4 x 4 layout for up to 16).
        name: the PNG's name when headless.

    Returns:
        The matplotlib figure.
    """
    import matplotlib.pyplot as plt

    desc, values, policy = np.asarray(desc), np.asarray(values), np.asarray(policy)
    count = values.shape[0]
    steps = list(steps) if steps is not None else list(range(1, count + 1))
    nrows = max(1, math.ceil(count / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(15, 15 * nrows / 4), squeeze=False)
    for k, ax in enumerate(axes.flat):
        if k >= count:
            ax.axis("off")
            continue
        _draw_panel(ax, desc, values[k], policy[k])
        ax.set_title(f"Step = {steps[k]}", fontsize=20)
    fig.tight_layout()
    sink = FigureSink(name)
    if sink.mode == "file":
        sink.save(fig)
    elif sink.mode == "window":
        plt.show()
    return fig
