"""AlexNet (d2l 7.1), sized for Fashion-MNIST resized to 224x224 as in the book."""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn

from d2lkit.errors import ConfigError
from d2lkit.models.registry import register_model

__all__ = ["alexnet", "alexnet_tiny"]


def _out_size(size: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    """Side length after a convolution or pooling window: floor((n + 2p - k) / s) + 1."""
    return (size + 2 * padding - kernel) // stride + 1


def _alexnet_feature_size(image_size: int) -> int:
    # Follows the spatial size through the five convolutions and three poolings below.
    n = _out_size(image_size, 11, 4, 1)
    n = _out_size(n, 3, 2)
    n = _out_size(n, 5, 1, 2)
    n = _out_size(n, 3, 2)
    n = _out_size(n, 3, 1, 1)
    return _out_size(n, 3, 2)


def _alexnet(
    num_classes: int,
    in_channels: int,
    channels: Sequence[int],
    hidden: int,
    image_size: int,
    dropout: float,
) -> nn.Sequential:
    c1, c2, c3, c4, c5 = channels
    side = _alexnet_feature_size(image_size)
    if side < 1:
        raise ConfigError(
            f"AlexNet cannot take {image_size}x{image_size} images",
            fix="use images of at least 67x67 (the book resizes to 224)",
        )
    # Shapes for the book's 224x224 input in the comments.
    return nn.Sequential(
        # A wide 11x11 window with stride 4 shrinks the image fast.
        nn.Conv2d(in_channels, c1, kernel_size=11, stride=4, padding=1),  # (B, 96, 54, 54)
        nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2),  # (B, 96, 26, 26)
        nn.Conv2d(c1, c2, kernel_size=5, padding=2),
        nn.ReLU(),  # (B, 256, 26, 26)
        nn.MaxPool2d(kernel_size=3, stride=2),  # (B, 256, 12, 12)
        nn.Conv2d(c2, c3, kernel_size=3, padding=1),
        nn.ReLU(),  # (B, 384, 12, 12)
        nn.Conv2d(c3, c4, kernel_size=3, padding=1),
        nn.ReLU(),  # (B, 384, 12, 12)
        nn.Conv2d(c4, c5, kernel_size=3, padding=1),
        nn.ReLU(),  # (B, 256, 12, 12)
        nn.MaxPool2d(kernel_size=3, stride=2),  # (B, 256, 5, 5)
        nn.Flatten(),  # (B, 6400)
        nn.Linear(c5 * side * side, hidden),
        nn.ReLU(),
        nn.Dropout(dropout),  # (B, 4096)
        nn.Linear(hidden, hidden),
        nn.ReLU(),
        nn.Dropout(dropout),  # (B, 4096)
        nn.Linear(hidden, num_classes),  # (B, 10)
    )


@register_model
def alexnet(
    num_classes: int = 10, in_channels: int = 1, image_size: int = 224, dropout: float = 0.5
) -> nn.Module:
    """AlexNet as in d2l 7.1: five convolutions, two 4096-unit dense layers with dropout."""
    return _alexnet(num_classes, in_channels, (96, 256, 384, 384, 256), 4096, image_size, dropout)


@register_model
def alexnet_tiny(
    num_classes: int = 10, in_channels: int = 1, image_size: int = 96, dropout: float = 0.5
) -> nn.Module:
    """AlexNet's layout with 4-16 channels and 32 hidden units, for fast tests on 96x96."""
    return _alexnet(num_classes, in_channels, (4, 8, 16, 16, 8), 32, image_size, dropout)
