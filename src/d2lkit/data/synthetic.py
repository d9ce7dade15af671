"""Synthetic data of chapters 3 and 4, reproducible from a seed.

Every generator takes a ``torch.Generator`` (or a seed) so a test, a figure or
a recipe draws the same numbers every time, independent of the global RNG.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch

__all__ = [
    "PolynomialData",
    "high_dim_linear_data",
    "polynomial_data",
    "synthetic_data",
]


def _generator(generator: torch.Generator | int | None) -> torch.Generator | None:
    return torch.Generator().manual_seed(generator) if isinstance(generator, int) else generator


def synthetic_data(
    w: torch.Tensor | Sequence[float],
    b: float,
    num_examples: int,
    *,
    noise: float = 0.01,
    generator: torch.Generator | int | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """y = Xw + b + noise (3.1): X (n, len(w)) ~ N(0, 1), y (n, 1), noise ~ N(0, ``noise``²)."""
    g = _generator(generator)
    w = torch.as_tensor(w, dtype=torch.float32).reshape(-1)
    X = torch.randn(num_examples, w.numel(), generator=g)
    y = X @ w + b
    y += noise * torch.randn(y.shape, generator=g)
    return X, y.reshape(-1, 1)


@dataclass(frozen=True)
class PolynomialData:
    """The data of 4.4: x, its scaled powers x^i / i!, and labels of a cubic plus noise."""

    features: torch.Tensor  # (n_train + n_test, 1) float32, x ~ N(0, 1)
    poly_features: torch.Tensor  # (n_train + n_test, max_degree): x^i / i!
    labels: torch.Tensor  # (n_train + n_test,)
    true_w: torch.Tensor  # (max_degree,): 5, 1.2, -3.4, 5.6, then zeros
    n_train: int

    def split(
        self, degree: int | None = None
    ) -> tuple[tuple[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
        """((X_train, y_train), (X_test, y_test)) on the first ``degree`` powers (default all)."""
        X = self.poly_features if degree is None else self.poly_features[:, :degree]
        y = self.labels.reshape(-1, 1)
        n = self.n_train
        return (X[:n], y[:n]), (X[n:], y[n:])


def polynomial_data(
    max_degree: int = 20,
    n_train: int = 100,
    n_test: int = 100,
    *,
    noise: float = 0.1,
    generator: torch.Generator | int | None = None,
) -> PolynomialData:
    """y = 5 + 1.2x - 3.4x²/2! + 5.6x³/3! + noise (4.4); powers divided by i! keep them small."""
    g = _generator(generator)
    true_w = torch.zeros(max_degree)
    true_w[:4] = torch.tensor([5.0, 1.2, -3.4, 5.6])[:max_degree]
    features = torch.randn(n_train + n_test, 1, generator=g)
    powers = torch.arange(max_degree, dtype=torch.float64)
    factorials = torch.tensor([math.gamma(i + 1) for i in range(max_degree)], dtype=torch.float64)
    poly = features.double().pow(powers) / factorials  # in float64: 19! overflows nothing here
    labels = poly @ true_w.double()
    labels += noise * torch.randn(labels.shape, generator=g, dtype=torch.float64)
    return PolynomialData(features, poly.float(), labels.float(), true_w, n_train)


def high_dim_linear_data(
    n_train: int = 20,
    n_test: int = 100,
    num_inputs: int = 200,
    *,
    generator: torch.Generator | int | None = None,
) -> tuple[
    tuple[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor], torch.Tensor, float
]:
    """The overfitting setup of 4.5: w = 0.01 everywhere, b = 0.05, few examples, many inputs.

    Returns (train, test, true_w (num_inputs, 1), true_b), train and test as (X, y).
    """
    g = _generator(generator)
    true_w, true_b = torch.full((num_inputs, 1), 0.01), 0.05
    train = synthetic_data(true_w, true_b, n_train, generator=g)
    test = synthetic_data(true_w, true_b, n_test, generator=g)
    return train, test, true_w, true_b
