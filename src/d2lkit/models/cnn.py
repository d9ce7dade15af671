"""LeNet (d2l 6.6) and LeNet with batch normalisation (7.5), built in and from scratch."""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

from d2lkit import scratch
from d2lkit.models.registry import register_model

__all__ = ["lenet", "lenet_bn", "lenet_bn_scratch"]


@register_model
def lenet(num_classes: int = 10, in_channels: int = 1) -> nn.Module:
    """LeNet-5 as in d2l 6.6: sigmoid activations and average pooling, 28x28 input."""
    return nn.Sequential(
        nn.Conv2d(in_channels, 6, kernel_size=5, padding=2),
        nn.Sigmoid(),  # (B, 6, 28, 28)
        nn.AvgPool2d(kernel_size=2, stride=2),  # (B, 6, 14, 14)
        nn.Conv2d(6, 16, kernel_size=5),
        nn.Sigmoid(),  # (B, 16, 10, 10)
        nn.AvgPool2d(kernel_size=2, stride=2),  # (B, 16, 5, 5)
        nn.Flatten(),  # (B, 400)
        nn.Linear(16 * 5 * 5, 120),
        nn.Sigmoid(),
        nn.Linear(120, 84),
        nn.Sigmoid(),
        nn.Linear(84, num_classes),
    )


def _lenet_bn(
    num_classes: int,
    in_channels: int,
    norm1d: Callable[[int], nn.Module],
    norm2d: Callable[[int], nn.Module],
) -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(in_channels, 6, kernel_size=5),
        norm2d(6),
        nn.Sigmoid(),  # (B, 6, 24, 24)
        nn.AvgPool2d(kernel_size=2, stride=2),  # (B, 6, 12, 12)
        nn.Conv2d(6, 16, kernel_size=5),
        norm2d(16),
        nn.Sigmoid(),  # (B, 16, 8, 8)
        nn.AvgPool2d(kernel_size=2, stride=2),  # (B, 16, 4, 4)
        nn.Flatten(),  # (B, 256)
        nn.Linear(16 * 4 * 4, 120),
        norm1d(120),
        nn.Sigmoid(),
        nn.Linear(120, 84),
        norm1d(84),
        nn.Sigmoid(),
        nn.Linear(84, num_classes),
    )


@register_model
def lenet_bn(num_classes: int = 10, in_channels: int = 1) -> nn.Module:
    """LeNet with ``nn.BatchNorm`` before each sigmoid (d2l 7.5, concise)."""
    return _lenet_bn(num_classes, in_channels, nn.BatchNorm1d, nn.BatchNorm2d)


@register_model
def lenet_bn_scratch(num_classes: int = 10, in_channels: int = 1) -> nn.Module:
    """LeNet with the from-scratch ``BatchNorm`` of d2l 7.5."""
    return _lenet_bn(
        num_classes,
        in_channels,
        lambda n: scratch.BatchNorm(n, num_dims=2),
        lambda n: scratch.BatchNorm(n, num_dims=4),
    )
