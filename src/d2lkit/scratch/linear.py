"""Linear regression from scratch (d2l 3.2): the model and the squared loss.

Torch counterparts: ``torch.nn.functional.linear`` (``nn.Linear``) for
``linreg`` and ``torch.nn.functional.mse_loss(reduction="none") / 2`` for
``squared_loss``. The book's ``sgd`` lives in ``optim.py`` next to ``SGD``.

``linreg`` keeps the book's layout, ``X @ w`` with ``w`` of shape (d, q),
where ``nn.Linear`` stores the transpose, (q, d); nothing else deviates.
"""

from __future__ import annotations

import torch

__all__ = ["linreg", "squared_loss"]


def linreg(X: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The linear model X w + b, the whole of what linear regression predicts.

    Args:
        X: inputs, (B, d).
        w: weights, (d, q) or (d,).
        b: bias, broadcast over the batch.
    """
    return torch.matmul(X, w) + b  # (B, q)


def squared_loss(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """(y_hat - y)^2 / 2 per example, the half making the gradient plain y_hat - y.

    ``y`` is reshaped to ``y_hat``'s shape, so labels of shape (B,) meet
    predictions of shape (B, 1) without broadcasting to (B, B).
    """
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2
