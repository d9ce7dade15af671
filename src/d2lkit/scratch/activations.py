"""Activation functions from scratch (d2l 4.1).

Torch counterparts: ``torch.relu``, ``torch.sigmoid``, ``torch.tanh``.
"""

from __future__ import annotations

import torch

__all__ = ["relu", "sigmoid", "tanh"]


def relu(X: torch.Tensor) -> torch.Tensor:
    """max(x, 0), elementwise; its gradient is 1 where x > 0 and 0 elsewhere."""
    return torch.where(X > 0, X, torch.zeros_like(X))


def sigmoid(X: torch.Tensor) -> torch.Tensor:
    """1 / (1 + exp(-x)); its gradient, sigmoid(x) * (1 - sigmoid(x)), is at most 1/4.

    Written with z = exp(-|x|) <= 1 so that neither the value nor the gradient
    overflows: the naive form's gradient is inf * 0 = nan below x = -88.
    """
    negative = X < 0
    z = torch.exp(torch.where(negative, X, -X))
    return torch.where(negative, z / (1 + z), 1 / (1 + z))


def tanh(X: torch.Tensor) -> torch.Tensor:
    """2 * sigmoid(2x) - 1; the gradient is 1 - tanh(x)^2."""
    return 2 * sigmoid(2 * X) - 1
