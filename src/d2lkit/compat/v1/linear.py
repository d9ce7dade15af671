"""d2l 1.0's linear models (3.4, 3.5, 4.5) and its minibatch ``SGD``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch
from torch import nn

from d2lkit.compat.v1.hyperparameters import HyperParameters
from d2lkit.compat.v1.module import Classifier, Module
from d2lkit.scratch import linear as _linear

__all__ = ["SGD", "LinearRegression", "LinearRegressionScratch", "SoftmaxRegression"]


class SGD(HyperParameters):
    """Minibatch stochastic gradient descent: ``p -= lr * p.grad`` (3.4)."""

    params: list[torch.Tensor]
    lr: float

    def __init__(self, params: Iterable[torch.Tensor], lr: float) -> None:
        self.save_hyperparameters()

    def step(self) -> None:
        with torch.no_grad():  # the book steps inside its loop's no_grad; this works outside it
            for param in self.params:
                if param.grad is not None:
                    param -= self.lr * param.grad

    def zero_grad(self) -> None:
        for param in self.params:
            if param.grad is not None:
                param.grad.zero_()


class LinearRegressionScratch(Module):
    """Linear regression from scratch: ``w`` (num_inputs, 1) ~ N(0, sigma²), ``b`` = 0 (3.4).

    ``w`` and ``b`` are plain tensors with gradients, as in the book (not
    ``nn.Parameter``); :meth:`configure_optimizers` hands them to :class:`SGD`.
    """

    def __init__(self, num_inputs: int, lr: float, sigma: float = 0.01) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.w = torch.normal(0, sigma, (num_inputs, 1), requires_grad=True)
        self.b = torch.zeros(1, requires_grad=True)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return _linear.linreg(X, self.w, self.b)

    def loss(self, y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The mean of ``(y_hat - y)² / 2``."""
        return _linear.squared_loss(y_hat, y).mean()

    def configure_optimizers(self) -> SGD:
        return SGD([self.w, self.b], self.lr)


class LinearRegression(Module):
    """Linear regression with ``nn.LazyLinear(1)``, squared error and SGD (3.5)."""

    def __init__(self, lr: float) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.LazyLinear(1)
        # As in the book: a lazy layer draws its weights again when it takes its shape.
        self.net.weight.data.normal_(0, 0.01)
        self.net.bias.data.fill_(0)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.net(X)

    def loss(self, y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Mean squared error (without the book's scratch 1/2)."""
        return nn.functional.mse_loss(y_hat, y)

    def configure_optimizers(self) -> Any:
        return torch.optim.SGD(self.parameters(), self.lr)

    def get_w_b(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The layer's weight (1, num_inputs) and bias (1,)."""
        return (self.net.weight.data, self.net.bias.data)


class SoftmaxRegression(Classifier):
    """Softmax regression: flatten, then ``nn.LazyLinear(num_outputs)`` logits (4.5)."""

    def __init__(self, num_outputs: int, lr: float) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(nn.Flatten(), nn.LazyLinear(num_outputs))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.net(X)
