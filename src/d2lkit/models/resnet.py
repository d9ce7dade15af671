"""ResNet (d2l 7.6): residual blocks; ResNet-18 as the book sizes it for Fashion-MNIST.

Blocks take ``in_channels=None`` to infer the input channels from the first
batch (``nn.LazyConv2d``), as the English edition's blocks do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from d2lkit.models.registry import register_model

__all__ = [
    "ResNeXtBlock",
    "Residual",
    "resnet",
    "resnet18",
    "resnet18_small_images",
    "resnet18_tiny",
    "resnet_block",
]


def _conv(in_channels: int | None, out_channels: int, **kwargs: Any) -> nn.Module:
    """A 2-D convolution; a lazy one (input channels from the first batch) for ``None``."""
    if in_channels is None:
        return nn.LazyConv2d(out_channels, **kwargs)
    return nn.Conv2d(in_channels, out_channels, **kwargs)


class Residual(nn.Module):
    """Two 3x3 conv + batch-norm layers whose output is added to the input, then ReLU.

    With ``use_1x1conv`` a 1x1 convolution (stride ``strides``) reshapes the input so
    it can be added when the block changes channels or halves height and width.
    """

    def __init__(
        self,
        in_channels: int | None,
        num_channels: int,
        use_1x1conv: bool = False,
        strides: int = 1,
    ) -> None:
        super().__init__()
        self.conv1 = _conv(in_channels, num_channels, kernel_size=3, padding=1, stride=strides)
        self.conv2 = nn.Conv2d(num_channels, num_channels, kernel_size=3, padding=1)
        self.conv3 = (
            _conv(in_channels, num_channels, kernel_size=1, stride=strides) if use_1x1conv else None
        )
        self.bn1 = nn.BatchNorm2d(num_channels)
        self.bn2 = nn.BatchNorm2d(num_channels)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        Y = F.relu(self.bn1(self.conv1(X)))  # (B, C, H / s, W / s)
        Y = self.bn2(self.conv2(Y))
        if self.conv3 is not None:
            X = self.conv3(X)
        return F.relu(Y + X)


class ResNeXtBlock(nn.Module):
    """A bottleneck residual block with grouped 3x3 convolutions (d2l 1.0, 8.6.5).

    1x1 conv to ``num_channels * bot_mul`` channels, 3x3 conv in groups of
    ``groups`` channels each (so ``bot_channels // groups`` groups), 1x1 conv back
    to ``num_channels``, each followed by batch norm; the input is added, through
    a 1x1 conv and batch norm when ``use_1x1conv`` (needed when the block changes
    channels or strides).
    """

    def __init__(
        self,
        num_channels: int,
        groups: int,
        bot_mul: float,
        use_1x1conv: bool = False,
        strides: int = 1,
        in_channels: int | None = None,
    ) -> None:
        super().__init__()
        bot_channels = round(num_channels * bot_mul)
        self.conv1 = _conv(in_channels, bot_channels, kernel_size=1, stride=1)
        self.conv2 = nn.Conv2d(
            bot_channels,
            bot_channels,
            kernel_size=3,
            stride=strides,
            padding=1,
            groups=bot_channels // groups,
        )
        self.conv3 = nn.Conv2d(bot_channels, num_channels, kernel_size=1, stride=1)
        self.bn1 = nn.BatchNorm2d(bot_channels)
        self.bn2 = nn.BatchNorm2d(bot_channels)
        self.bn3 = nn.BatchNorm2d(num_channels)
        self.conv4: nn.Module | None = None
        self.bn4: nn.Module | None = None
        if use_1x1conv:
            self.conv4 = _conv(in_channels, num_channels, kernel_size=1, stride=strides)
            self.bn4 = nn.BatchNorm2d(num_channels)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        Y = F.relu(self.bn1(self.conv1(X)))  # (B, bot, H, W)
        Y = F.relu(self.bn2(self.conv2(Y)))  # (B, bot, H / s, W / s)
        Y = self.bn3(self.conv3(Y))  # (B, C, H / s, W / s)
        if self.conv4 is not None and self.bn4 is not None:
            X = self.bn4(self.conv4(X))
        return F.relu(Y + X)


def resnet_block(
    in_channels: int, num_channels: int, num_residuals: int, first_block: bool = False
) -> nn.Sequential:
    """Residual blocks; the first halves height and width unless it follows the stem."""
    blocks: list[nn.Module] = []
    for i in range(num_residuals):
        if i == 0 and not first_block:
            blocks.append(Residual(in_channels, num_channels, use_1x1conv=True, strides=2))
        else:
            blocks.append(Residual(num_channels if i else in_channels, num_channels))
    return nn.Sequential(*blocks)


def resnet(
    arch: Sequence[tuple[int, int]], num_classes: int = 10, in_channels: int = 1
) -> nn.Sequential:
    """A ResNet from ``(num_residuals, channels)`` per stage, after the GoogLeNet-like stem."""
    stem_channels = arch[0][1]
    stem = nn.Sequential(
        nn.Conv2d(in_channels, stem_channels, kernel_size=7, stride=2, padding=3),
        nn.BatchNorm2d(stem_channels),
        nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
    )
    stages: list[nn.Module] = []
    channels = stem_channels
    for i, (num_residuals, num_channels) in enumerate(arch):
        stages.append(resnet_block(channels, num_channels, num_residuals, first_block=i == 0))
        channels = num_channels
    return nn.Sequential(  # 96 input:   224 input:
        stem,  # (B, 64, 24, 24)   (B, 64, 56, 56)
        *stages,  # ... (B, 512, 3, 3)   (B, 512, 7, 7)
        nn.AdaptiveAvgPool2d((1, 1)),  # (B, 512, 1, 1)
        nn.Flatten(),  # (B, 512)
        nn.Linear(channels, num_classes),  # (B, 10)
    )


@register_model
def resnet18(num_classes: int = 10, in_channels: int = 1) -> nn.Module:
    """ResNet-18 as in d2l 7.6: four stages of two residual blocks, 64 to 512 channels."""
    return resnet(((2, 64), (2, 128), (2, 256), (2, 512)), num_classes, in_channels)


@register_model
def resnet18_tiny(num_classes: int = 10, in_channels: int = 1) -> nn.Module:
    """ResNet-18's layout with 4 to 32 channels, for fast tests."""
    return resnet(((2, 4), (2, 8), (2, 16), (2, 32)), num_classes, in_channels)


@register_model
def resnet18_small_images(num_classes: int = 10, in_channels: int = 1) -> nn.Module:
    """ResNet-18 for small images (d2l 12.6): a 3x3 stride-1 stem without max-pooling."""
    return nn.Sequential(
        nn.Conv2d(in_channels, 64, kernel_size=3, stride=1, padding=1),  # (B, 64, H, W)
        nn.BatchNorm2d(64),
        nn.ReLU(),
        resnet_block(64, 64, 2, first_block=True),
        resnet_block(64, 128, 2),  # (B, 128, H / 2, W / 2)
        resnet_block(128, 256, 2),
        resnet_block(256, 512, 2),  # (B, 512, H / 8, W / 8)
        nn.AdaptiveAvgPool2d((1, 1)),
        nn.Flatten(),
        nn.Linear(512, num_classes),
    )
