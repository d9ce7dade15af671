"""Helpers for model tests: per-layer output shapes as the book prints them, parameter counts."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from torch import nn

LayerShapes = list[tuple[str, tuple[int, ...]]]


def _layer_shapes(net: nn.Sequential, X: torch.Tensor) -> LayerShapes:
    # The book's loop: `for layer in net: X = layer(X); print(name, 'output shape:', X.shape)`.
    shapes = []
    with torch.no_grad():
        for layer in net:
            X = layer(X)
            shapes.append((type(layer).__name__, tuple(X.shape)))
    return shapes


@pytest.fixture
def layer_shapes() -> Callable[[nn.Sequential, torch.Tensor], LayerShapes]:
    """``layer_shapes(net, X)``: (layer class name, output shape) for each top-level layer."""
    return _layer_shapes


@pytest.fixture
def num_params() -> Callable[[nn.Module], int]:
    """``num_params(net)``: the number of trainable values."""
    return lambda net: sum(p.numel() for p in net.parameters() if p.requires_grad)
