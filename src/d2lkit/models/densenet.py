"""DenseNet (d2l 7.7): dense blocks that concatenate features, and transition layers."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from d2lkit.models.registry import register_model

__all__ = ["DenseBlock", "conv_block", "densenet", "densenet_tiny", "transition_block"]


def conv_block(in_channels: int, num_channels: int) -> nn.Sequential:
    """Batch norm, ReLU, then a 3x3 convolution: the "pre-activation" order of ResNet v2."""
    return nn.Sequential(
        nn.BatchNorm2d(in_channels),
        nn.ReLU(),
        nn.Conv2d(in_channels, num_channels, kernel_size=3, padding=1),
    )


class DenseBlock(nn.Module):
    """Conv blocks each seeing all earlier outputs: channels grow by ``num_channels`` per block."""

    def __init__(self, num_convs: int, in_channels: int, num_channels: int) -> None:
        super().__init__()
        self.net = nn.Sequential(
            *(conv_block(num_channels * i + in_channels, num_channels) for i in range(num_convs))
        )

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        for blk in self.net:
            X = torch.cat((X, blk(X)), dim=1)  # (B, C + num_channels, H, W)
        return X


def transition_block(in_channels: int, num_channels: int) -> nn.Sequential:
    """Shrink channels with a 1x1 convolution and halve height and width by averaging."""
    return nn.Sequential(
        nn.BatchNorm2d(in_channels),
        nn.ReLU(),
        nn.Conv2d(in_channels, num_channels, kernel_size=1),
        nn.AvgPool2d(kernel_size=2, stride=2),
    )


def _densenet(
    num_classes: int,
    in_channels: int,
    num_channels: int,
    growth_rate: int,
    num_convs_in_dense_blocks: Sequence[int],
) -> nn.Sequential:
    stem = nn.Sequential(
        nn.Conv2d(in_channels, num_channels, kernel_size=7, stride=2, padding=3),
        nn.BatchNorm2d(num_channels),
        nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
    )
    blocks: list[nn.Module] = []
    for i, num_convs in enumerate(num_convs_in_dense_blocks):
        blocks.append(DenseBlock(num_convs, num_channels, growth_rate))
        num_channels += num_convs * growth_rate
        if i != len(num_convs_in_dense_blocks) - 1:  # a transition layer between dense blocks
            blocks.append(transition_block(num_channels, num_channels // 2))
            num_channels //= 2
    return nn.Sequential(  # 96 input:
        stem,  # (B, 64, 24, 24)
        *blocks,  # ... (B, 248, 3, 3)
        nn.BatchNorm2d(num_channels),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d((1, 1)),  # (B, 248, 1, 1)
        nn.Flatten(),  # (B, 248)
        nn.Linear(num_channels, num_classes),  # (B, 10)
    )


@register_model
def densenet(
    num_classes: int = 10,
    in_channels: int = 1,
    num_channels: int = 64,
    growth_rate: int = 32,
    num_convs_in_dense_blocks: Sequence[int] = (4, 4, 4, 4),
) -> nn.Module:
    """DenseNet as in d2l 7.7: four dense blocks of four convolutions, growth rate 32."""
    return _densenet(
        num_classes, in_channels, num_channels, growth_rate, tuple(num_convs_in_dense_blocks)
    )


@register_model
def densenet_tiny(num_classes: int = 10, in_channels: int = 1) -> nn.Module:
    """DenseNet with 8 stem channels, growth rate 4 and two dense blocks, for fast tests."""
    return _densenet(num_classes, in_channels, 8, 4, (2, 2))
