"""The RBF (squared-exponential) kernel of Gaussian processes, from scratch (d2l-en 18.2).

Torch counterpart: ``torch.exp(-torch.cdist(x1, x2) ** 2 / (2 * lengthscale**2))``.
Written with the expansion ``|a - b|^2 = |a|^2 + |b|^2 - 2 a.b`` (one matrix
product, the way GP libraries compute it), clamped at 0 against rounding.
"""

from __future__ import annotations

import torch

__all__ = ["rbf_kernel"]


def _points(x: torch.Tensor) -> torch.Tensor:
    """Scalars ``(n,)`` as points ``(n, 1)``; points ``(n, d)`` as they are."""
    return x[:, None] if x.dim() == 1 else x


def rbf_kernel(x1: torch.Tensor, x2: torch.Tensor, lengthscale: float = 1.0) -> torch.Tensor:
    """``k(a, b) = exp(-|a - b|^2 / (2 lengthscale^2))`` for every pair: ``(n1, n2)``.

    Points are rows of ``(n, d)`` tensors, or scalars of ``(n,)`` ones. Near points
    covary almost fully (k near 1), points many lengthscales apart hardly at all;
    the lengthscale sets how fast a GP's functions wiggle.
    """
    a, b = _points(x1), _points(x2)
    sq = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T
    return torch.exp(-sq.clamp(min=0) / (2 * lengthscale**2))
