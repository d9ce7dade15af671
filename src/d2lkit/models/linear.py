"""Linear models: linear regression (d2l 3.2, 3.3) and softmax regression (3.6, 3.7)."""

from __future__ import annotations

import torch
from torch import nn

from d2lkit.models.registry import register_model

__all__ = [
    "LinearRegressionScratch",
    "SoftmaxRegressionScratch",
    "linear_regression",
    "linear_regression_scratch",
    "softmax_regression",
    "softmax_regression_scratch",
]


@register_model
def linear_regression(
    num_inputs: int = 2, num_outputs: int = 1, bias: bool = True, weight_std: float = 0.01
) -> nn.Module:
    """One linear layer, weights ~ normal(0, 0.01) and zero bias as the book sets them; d2l 3.3.

    ``bias=False`` is 4.4's polynomial fit, whose features hold the constant term;
    ``weight_std=1`` is 4.5's start, far from the small true weights.
    """
    layer = nn.Linear(num_inputs, num_outputs, bias=bias)
    nn.init.normal_(layer.weight, mean=0.0, std=weight_std)
    if layer.bias is not None:
        nn.init.zeros_(layer.bias)
    return nn.Sequential(layer)


class LinearRegressionScratch(nn.Module):
    """``X w + b`` with hand-made parameters, w ~ normal(0, 0.01), b = 0; d2l 3.2."""

    def __init__(self, num_inputs: int = 2, num_outputs: int = 1, weight_std: float = 0.01) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.normal(0.0, weight_std, size=(num_inputs, num_outputs)))
        self.b = nn.Parameter(torch.zeros(num_outputs))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return X @ self.w + self.b  # (B, num_outputs)


@register_model
def linear_regression_scratch(
    num_inputs: int = 2, num_outputs: int = 1, weight_std: float = 0.01
) -> nn.Module:
    """Linear regression with its parameters written out; d2l 3.2 (``weight_std=1``: 4.5)."""
    return LinearRegressionScratch(num_inputs, num_outputs, weight_std)


@register_model
def softmax_regression(num_inputs: int = 784, num_outputs: int = 10) -> nn.Module:
    """Flatten, then one linear layer to class scores (logits); d2l 3.7."""
    return nn.Sequential(nn.Flatten(), nn.Linear(num_inputs, num_outputs))


class SoftmaxRegressionScratch(nn.Module):
    """``X W + b`` with hand-made parameters, W ~ normal(0, 0.01), b = 0; d2l 3.6.

    Returns logits: the softmax lives in ``scratch.cross_entropy`` (stable), not
    here as in the book; ``argmax`` and thus accuracy are the same.
    """

    def __init__(self, num_inputs: int = 784, num_outputs: int = 10) -> None:
        super().__init__()
        self.W = nn.Parameter(torch.normal(0.0, 0.01, size=(num_inputs, num_outputs)))
        self.b = nn.Parameter(torch.zeros(num_outputs))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return X.reshape(-1, self.W.shape[0]) @ self.W + self.b  # (B, num_outputs)


@register_model
def softmax_regression_scratch(num_inputs: int = 784, num_outputs: int = 10) -> nn.Module:
    """Softmax regression with its parameters written out; d2l 3.6."""
    return SoftmaxRegressionScratch(num_inputs, num_outputs)
