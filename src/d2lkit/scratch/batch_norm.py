"""Batch normalisation from scratch (d2l 7.5).

Torch counterparts: ``torch.nn.BatchNorm1d`` (2-D input, statistics per
feature) and ``torch.nn.BatchNorm2d`` (4-D input, statistics per channel).

Two deliberate departures from the book's listing, so that the running
statistics equal torch's:
- ``momentum`` has torch's meaning, ``moving = (1 - m) * moving + m * batch``
  (the book's ``momentum=0.9`` is torch's ``0.1``, the default here);
- the moving variance is updated with the unbiased batch variance, n / (n - 1)
  times the biased one that normalises the batch.
Evaluation is chosen by ``training`` (``model.eval()``), not by whether
gradients are on as in the book, so ``torch.no_grad()`` validation while
training still uses batch statistics only where it should.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["BatchNorm", "batch_norm"]


def batch_norm(
    X: torch.Tensor,
    gamma: torch.Tensor,
    beta: torch.Tensor,
    moving_mean: torch.Tensor,
    moving_var: torch.Tensor,
    *,
    training: bool,
    eps: float = 1e-5,
    momentum: float = 0.1,
) -> torch.Tensor:
    """Normalise X with batch statistics (training) or the moving ones (evaluation).

    X is (B, F) or (B, C, H, W); gamma, beta and the moving statistics have
    the shape of one example's statistics, (1, F) or (1, C, 1, 1). In training
    the moving statistics are updated in place.
    """
    if X.dim() not in (2, 4):
        raise ValueError(f"batch_norm takes 2-D (B, F) or 4-D (B, C, H, W) input, got {X.dim()}-D")
    if not training:
        X_hat = (X - moving_mean) / torch.sqrt(moving_var + eps)
        return gamma * X_hat + beta
    dims = (0,) if X.dim() == 2 else (0, 2, 3)  # over the batch (and positions)
    mean = X.mean(dim=dims, keepdim=True)
    var = ((X - mean) ** 2).mean(dim=dims, keepdim=True)  # biased, as torch normalises
    X_hat = (X - mean) / torch.sqrt(var + eps)
    with torch.no_grad():
        n = X.numel() // X.shape[1]  # values per feature/channel
        moving_mean.lerp_(mean, momentum)
        moving_var.lerp_(var * n / max(n - 1, 1), momentum)
    return gamma * X_hat + beta


class BatchNorm(nn.Module):
    """The book's ``BatchNorm(num_features, num_dims)``: learnable scale and shift.

    Args:
        num_features: outputs of a fully connected layer, or channels of a conv.
        num_dims: 2 after a fully connected layer, 4 after a convolution.
    """

    moving_mean: torch.Tensor  # buffers, registered in __init__
    moving_var: torch.Tensor

    def __init__(
        self, num_features: int, num_dims: int, eps: float = 1e-5, momentum: float = 0.1
    ) -> None:
        super().__init__()
        if num_dims not in (2, 4):
            raise ValueError(f"num_dims must be 2 or 4, got {num_dims}")
        shape = (1, num_features) if num_dims == 2 else (1, num_features, 1, 1)
        self.gamma = nn.Parameter(torch.ones(shape))
        self.beta = nn.Parameter(torch.zeros(shape))
        self.register_buffer("moving_mean", torch.zeros(shape))
        self.register_buffer("moving_var", torch.ones(shape))
        self.eps = eps
        self.momentum = momentum

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return batch_norm(
            X,
            self.gamma,
            self.beta,
            self.moving_mean,
            self.moving_var,
            training=self.training,
            eps=self.eps,
            momentum=self.momentum,
        )

    def extra_repr(self) -> str:
        return f"{self.gamma.shape[1]}, num_dims={self.gamma.dim()}, eps={self.eps}"
