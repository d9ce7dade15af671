"""Weight-decay penalties from scratch (d2l 3.7).

Torch counterparts: ``torch.linalg.vector_norm(w) ** 2 / 2`` and
``torch.linalg.vector_norm(w, ord=1)``; adding ``lambd * l2_penalty(w)`` to
the loss is what ``torch.optim.SGD(..., weight_decay=lambd)`` does to the
gradient (``grad + lambd * w``). No deviation from the book.
"""

from __future__ import annotations

import torch

__all__ = ["l1_penalty", "l2_penalty"]


def l2_penalty(w: torch.Tensor) -> torch.Tensor:
    """sum(w^2) / 2: its gradient is w itself, so it pulls every weight toward 0 in proportion."""
    return torch.sum(w.pow(2)) / 2


def l1_penalty(w: torch.Tensor) -> torch.Tensor:
    """sum(|w|): its gradient is sign(w), a constant pull that drives small weights to exactly 0."""
    return torch.sum(torch.abs(w))
