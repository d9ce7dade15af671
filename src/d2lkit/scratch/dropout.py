"""Dropout from scratch (d2l 4.6).

Torch counterparts: ``torch.nn.functional.dropout`` and ``torch.nn.Dropout``.

Same law as torch: each element survives with probability 1 - p (a
Bernoulli(1 - p) mask) and survivors are scaled by 1 / (1 - p), so the
expected output equals the input; in evaluation dropout is the identity.
The random draws differ from torch's (``rand >= p`` here, ``bernoulli_``
there), so equal seeds give different masks: tests compare the law, not bits.
Unlike the book's ``dropout_layer``, a ``generator`` can be passed for
reproducible masks and ``training=False`` returns the input, as ``F.dropout``.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["Dropout", "dropout_layer"]


def dropout_layer(
    X: torch.Tensor,
    dropout: float,
    *,
    training: bool = True,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Zero each element with probability ``dropout`` and scale the rest by 1 / (1 - dropout).

    The scaling keeps E[output] = X, so nothing needs rescaling at test time.
    """
    if not 0.0 <= dropout <= 1.0:
        raise ValueError(f"dropout must be in [0, 1], got {dropout}")
    if not training or dropout == 0.0:
        return X
    if dropout == 1.0:
        return X * 0.0  # all dropped; keeps the graph so the gradient is 0, not None
    # P(U >= p) = 1 - p for U ~ Uniform[0, 1): a Bernoulli(1 - p) mask.
    keep = torch.rand(X.shape, generator=generator, device=X.device) >= dropout
    return X * (keep.to(X.dtype) / (1.0 - dropout))


class Dropout(nn.Module):
    """``dropout_layer`` as a layer: active in ``train()``, the identity in ``eval()``."""

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"p must be in [0, 1], got {p}")
        self.p = p

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return dropout_layer(X, self.p, training=self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"
