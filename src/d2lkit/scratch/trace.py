"""A 2-D optimiser's path, step by step (d2l 11.3-11.8 ``train_2d``).

Torch counterpart: none; torch's optimisers work on tensors, and these
chapters show an update rule on two plain numbers so its path can be drawn.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["trace_2d"]


def trace_2d(
    update: Callable[..., tuple[Any, Any, Any, Any]],
    steps: int = 20,
    f_grad: Callable[[Any, Any], tuple[Any, Any]] | None = None,
    start: tuple[float, float] = (-5.0, -2.0),
) -> list[tuple[Any, Any]]:
    """Points visited by ``update(x1, x2, s1, s2[, f_grad]) -> (x1, x2, s1, s2)`` from ``start``.

    ``s1, s2`` are the rule's own state (momentum, squared-gradient sums ...), starting at 0.
    """
    x1, x2 = start
    s1: Any = 0
    s2: Any = 0
    results = [(x1, x2)]
    for _ in range(steps):
        if f_grad is not None:
            x1, x2, s1, s2 = update(x1, x2, s1, s2, f_grad)
        else:
            x1, x2, s1, s2 = update(x1, x2, s1, s2)
        results.append((x1, x2))
    return results
