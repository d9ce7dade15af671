"""Network in Network (d2l 7.3): convolutions followed by 1x1 "per-pixel MLPs", no dense layers."""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn

from d2lkit.models.registry import register_model

__all__ = ["nin", "nin_block", "nin_tiny"]


def nin_block(
    in_channels: int, out_channels: int, kernel_size: int, stride: int, padding: int
) -> nn.Sequential:
    """One convolution then two 1x1 convolutions, each with ReLU: an MLP at every pixel."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding),
        nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1),
        nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1),
        nn.ReLU(),
    )


def _nin(
    num_classes: int, in_channels: int, channels: Sequence[int], dropout: float
) -> nn.Sequential:
    c1, c2, c3 = channels
    return nn.Sequential(  # 224 input:
        nin_block(in_channels, c1, kernel_size=11, stride=4, padding=0),  # (B, 96, 54, 54)
        nn.MaxPool2d(3, stride=2),  # (B, 96, 26, 26)
        nin_block(c1, c2, kernel_size=5, stride=1, padding=2),  # (B, 256, 26, 26)
        nn.MaxPool2d(3, stride=2),  # (B, 256, 12, 12)
        nin_block(c2, c3, kernel_size=3, stride=1, padding=1),  # (B, 384, 12, 12)
        nn.MaxPool2d(3, stride=2),  # (B, 384, 5, 5)
        nn.Dropout(dropout),
        # The last block has one channel per class; global averaging turns them into logits.
        nin_block(c3, num_classes, kernel_size=3, stride=1, padding=1),  # (B, 10, 5, 5)
        nn.AdaptiveAvgPool2d((1, 1)),  # (B, 10, 1, 1)
        nn.Flatten(),  # (B, 10)
    )


@register_model
def nin(num_classes: int = 10, in_channels: int = 1, dropout: float = 0.5) -> nn.Module:
    """NiN as in d2l 7.3 (takes 224x224 images; at least 67x67)."""
    return _nin(num_classes, in_channels, (96, 256, 384), dropout)


@register_model
def nin_tiny(num_classes: int = 10, in_channels: int = 1, dropout: float = 0.5) -> nn.Module:
    """NiN's layout with 4-16 channels, for fast tests (at least 67x67 images)."""
    return _nin(num_classes, in_channels, (4, 8, 16), dropout)
