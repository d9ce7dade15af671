"""Multilayer perceptrons, concise (d2l 4.3, 4.6) and from scratch (4.2)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from d2lkit import scratch
from d2lkit.errors import ConfigError
from d2lkit.models.registry import register_model

__all__ = ["MLPScratch", "mlp", "mlp_dropout_scratch", "mlp_scratch", "mlp_tiny"]

_ACTIVATIONS = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "gelu": nn.GELU}


@register_model
def mlp(
    num_inputs: int = 784,
    num_outputs: int = 10,
    hidden: Sequence[int] = (256,),
    activation: str = "relu",
    dropout: float | Sequence[float] = 0.0,
) -> nn.Module:
    """Flatten, then (Linear, activation, Dropout) per hidden layer, then Linear.

    ``dropout`` is one probability for every hidden layer or one per layer
    (the book's 4.6 uses 0.2 then 0.5).
    """
    if activation not in _ACTIVATIONS:
        raise ConfigError(
            f"unknown activation {activation!r}", fix=f"use one of: {', '.join(_ACTIVATIONS)}"
        )
    hidden = tuple(hidden)
    rates = (dropout,) * len(hidden) if isinstance(dropout, int | float) else tuple(dropout)
    if len(rates) != len(hidden):
        raise ConfigError(
            f"{len(rates)} dropout rates for {len(hidden)} hidden layers",
            fix="give one rate, or one per hidden layer",
        )
    layers: list[nn.Module] = [nn.Flatten()]
    width = num_inputs
    for size, rate in zip(hidden, rates, strict=True):
        layers += [nn.Linear(width, size), _ACTIVATIONS[activation]()]
        if rate > 0:
            layers.append(nn.Dropout(rate))
        width = size
    layers.append(nn.Linear(width, num_outputs))
    return nn.Sequential(*layers)


@register_model
def mlp_tiny(num_inputs: int = 784, num_outputs: int = 10) -> nn.Module:
    """A 16-unit MLP for fast tests."""
    return mlp(num_inputs, num_outputs, hidden=(16,))


class MLPScratch(nn.Module):
    """One hidden ReLU layer with hand-made parameters, weights ~ normal(0, 0.01); d2l 4.2."""

    def __init__(
        self, num_inputs: int = 784, num_outputs: int = 10, num_hiddens: int = 256
    ) -> None:
        super().__init__()
        self.W1 = nn.Parameter(torch.randn(num_inputs, num_hiddens) * 0.01)
        self.b1 = nn.Parameter(torch.zeros(num_hiddens))
        self.W2 = nn.Parameter(torch.randn(num_hiddens, num_outputs) * 0.01)
        self.b2 = nn.Parameter(torch.zeros(num_outputs))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        H = scratch.relu(X.reshape(-1, self.W1.shape[0]) @ self.W1 + self.b1)  # (B, hiddens)
        return H @ self.W2 + self.b2  # (B, outputs)


@register_model
def mlp_scratch(num_inputs: int = 784, num_outputs: int = 10, num_hiddens: int = 256) -> nn.Module:
    """The book's MLP from scratch (4.2)."""
    return MLPScratch(num_inputs, num_outputs, num_hiddens)


@register_model
def mlp_dropout_scratch(
    num_inputs: int = 784,
    num_outputs: int = 10,
    hidden: Sequence[int] = (256, 256),
    dropout: Sequence[float] = (0.2, 0.5),
) -> nn.Module:
    """4.6's dropout from scratch: torch's Linear and ReLU, the scratch dropout after each ReLU.

    ``scratch.Dropout`` is active in ``train()`` and the identity in ``eval()``,
    as the book's ``if self.training`` test.
    """
    hidden, rates = tuple(hidden), tuple(dropout)
    if len(rates) != len(hidden):
        raise ConfigError(
            f"{len(rates)} dropout rates for {len(hidden)} hidden layers",
            fix="give one rate per hidden layer",
        )
    layers: list[nn.Module] = [nn.Flatten()]
    width = num_inputs
    for size, rate in zip(hidden, rates, strict=True):
        layers += [nn.Linear(width, size), nn.ReLU(), scratch.Dropout(rate)]
        width = size
    layers.append(nn.Linear(width, num_outputs))
    return nn.Sequential(*layers)
