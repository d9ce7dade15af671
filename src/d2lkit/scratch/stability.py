"""Numerical stability and initialisation (d2l 4.8) as functions one can test.

Torch counterparts: ``torch.sigmoid`` under autograd (``sigmoid_gradient``),
``torch.linalg.multi_dot`` (``random_matrix_product``) and
``torch.nn.init.xavier_uniform_`` / ``xavier_normal_`` (``xavier_uniform``,
``xavier_normal``: same draws from the same generator).

The book shows these as plots and printed matrices; here each returns the
numbers behind the claim: the sigmoid's gradient vanishes away from 0, a
product of Gaussian matrices explodes, and Xavier initialisation keeps the
activation variance steady through a deep linear network where N(0, 1)
weights multiply it by the width at every layer. The book multiplies 101
matrices in its "100" example; ``random_matrix_product(n)`` multiplies n.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal

import torch

from d2lkit.scratch.activations import sigmoid

__all__ = [
    "activation_variance_by_layer",
    "random_matrix_product",
    "sigmoid_gradient",
    "xavier_normal",
    "xavier_uniform",
]

Init = Callable[[int, int, torch.Generator | None], torch.Tensor]


def sigmoid_gradient(x: torch.Tensor) -> torch.Tensor:
    """d sigmoid / dx = sigmoid(x) (1 - sigmoid(x)): 1/4 at 0, below 1e-3 once |x| > 7.

    Written as sigmoid(x) sigmoid(-x), the same number, so that large positive
    x keep their tiny gradient instead of rounding 1 - sigmoid(x) to 0.
    """
    return sigmoid(x) * sigmoid(-x)


def random_matrix_product(
    n: int = 100,
    size: int = 4,
    generator: torch.Generator | None = None,
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """The product of n random (size, size) matrices with N(0, 1) entries: it explodes.

    Each factor stretches a vector by about exp(0.56) for size 4, so 100 of
    them reach ~1e24: gradients through such a product are useless.
    """
    M = torch.randn(size, size, generator=generator, dtype=dtype)
    for _ in range(n - 1):
        M = M @ torch.randn(size, size, generator=generator, dtype=dtype)
    return M  # (size, size)


def xavier_uniform(
    fan_in: int, fan_out: int, generator: torch.Generator | None = None
) -> torch.Tensor:
    """U(-a, a) with a = sqrt(6 / (fan_in + fan_out)): variance 2 / (fan_in + fan_out)."""
    a = math.sqrt(6.0 / (fan_in + fan_out))
    return torch.empty(fan_in, fan_out).uniform_(-a, a, generator=generator)  # (in, out)


def xavier_normal(
    fan_in: int, fan_out: int, generator: torch.Generator | None = None
) -> torch.Tensor:
    """N(0, 2 / (fan_in + fan_out)): the variance that keeps both passes' variance steady."""
    std = math.sqrt(2.0 / (fan_in + fan_out))
    return torch.empty(fan_in, fan_out).normal_(0.0, std, generator=generator)  # (in, out)


def _standard_normal(
    fan_in: int, fan_out: int, generator: torch.Generator | None = None
) -> torch.Tensor:
    return torch.randn(fan_in, fan_out, generator=generator)  # (in, out)


_INITS: dict[str, Init] = {
    "normal": _standard_normal,
    "xavier_normal": xavier_normal,
    "xavier_uniform": xavier_uniform,
}


def activation_variance_by_layer(
    init: Literal["normal", "xavier_normal", "xavier_uniform"] | Init,
    depth: int = 10,
    width: int = 256,
    num_examples: int = 1024,
    activation: Callable[[torch.Tensor], torch.Tensor] | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Variance of the activations through ``depth`` fully connected layers of ``width`` units.

    The input is N(0, 1), (num_examples, width). With no ``activation`` the
    network is linear, the case Xavier's derivation assumes: each layer
    multiplies the variance by width * Var(w), 1 for Xavier and ``width``
    for N(0, 1).

    Args:
        init: "normal" (N(0, 1)), "xavier_normal", "xavier_uniform", or a
            function (fan_in, fan_out, generator) -> weights (fan_in, fan_out).
        depth: number of layers.
        width: units per layer (and input features).
        num_examples: rows of the input batch.
        activation: applied after each layer; None for a linear network.
        generator: for the input and the weights.

    Returns:
        (depth + 1,): the input's variance, then each layer's output's.
    """
    make = _INITS[init] if isinstance(init, str) else init
    H = torch.randn(num_examples, width, generator=generator)  # (N, width)
    variances = [H.var()]
    for _ in range(depth):
        H = H @ make(width, width, generator)  # (N, width)
        if activation is not None:
            H = activation(H)
        variances.append(H.var())
    return torch.stack(variances)
