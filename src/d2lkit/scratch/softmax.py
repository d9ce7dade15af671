"""Softmax and cross-entropy from scratch (d2l 3.6), numerically stable.

Torch counterparts: ``torch.softmax``, ``torch.log_softmax`` and
``torch.nn.functional.cross_entropy``.

The book's first version, ``exp(X) / exp(X).sum()``, overflows for logits
above ~88 in float32. Subtracting the row maximum first changes nothing
mathematically (softmax is shift invariant) and keeps every ``exp`` <= 1.
"""

from __future__ import annotations

import torch

__all__ = ["cross_entropy", "log_softmax", "softmax"]


def softmax(X: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """exp(x_i) / sum_j exp(x_j) along ``dim``."""
    exp = (X - X.amax(dim=dim, keepdim=True)).exp()
    return exp / exp.sum(dim=dim, keepdim=True)


def log_softmax(X: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """log(softmax(X)) without taking the log of a number that underflowed to 0."""
    shifted = X - X.amax(dim=dim, keepdim=True)
    return shifted - shifted.exp().sum(dim=dim, keepdim=True).log()


def cross_entropy(logits: torch.Tensor, y: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """-log softmax(logits)[y], per example, then reduced ("mean", "sum" or "none").

    Takes logits, as ``F.cross_entropy`` does, rather than the book's
    probabilities: ``log(softmax)`` of a confident wrong guess is ``log(0)``.
    """
    picked = log_softmax(logits, dim=1).gather(1, y.view(-1, 1)).squeeze(1)  # (B,)
    loss = -picked
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
