"""VGG (d2l 7.2): repeated blocks of 3x3 convolutions and a 2x2 max-pool."""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn

from d2lkit.errors import ConfigError
from d2lkit.models.registry import register_model

__all__ = ["VGG11_ARCH", "vgg", "vgg11", "vgg11_tiny", "vgg_block"]

# (number of 3x3 convolutions, output channels) per block: VGG-11 has 8 convolutions
# and 3 dense layers.
VGG11_ARCH: tuple[tuple[int, int], ...] = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))


def vgg_block(num_convs: int, in_channels: int, out_channels: int) -> nn.Sequential:
    """``num_convs`` same-size 3x3 convolutions with ReLU, then a max-pool halving the image."""
    layers: list[nn.Module] = []
    for _ in range(num_convs):
        layers += [nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1), nn.ReLU()]
        in_channels = out_channels
    layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
    return nn.Sequential(*layers)


def vgg(
    conv_arch: Sequence[tuple[int, int]],
    num_classes: int = 10,
    in_channels: int = 1,
    hidden: int = 4096,
    image_size: int = 224,
    dropout: float = 0.5,
) -> nn.Sequential:
    """A VGG network from ``(num_convs, out_channels)`` pairs, then three dense layers."""
    side = image_size // 2 ** len(conv_arch)  # every block halves height and width
    if side < 1:
        least = 2 ** len(conv_arch)
        raise ConfigError(
            f"{len(conv_arch)} VGG blocks cannot take {image_size}x{image_size} images",
            fix=f"use images of at least {least}x{least}",
        )
    blocks: list[nn.Module] = []
    for num_convs, out_channels in conv_arch:
        blocks.append(vgg_block(num_convs, in_channels, out_channels))
        in_channels = out_channels
    return nn.Sequential(
        *blocks,  # 224 input: (B, 64, 112, 112) ... (B, 512, 7, 7)
        nn.Flatten(),  # (B, 25088)
        nn.Linear(in_channels * side * side, hidden),
        nn.ReLU(),
        nn.Dropout(dropout),  # (B, 4096)
        nn.Linear(hidden, hidden),
        nn.ReLU(),
        nn.Dropout(dropout),  # (B, 4096)
        nn.Linear(hidden, num_classes),  # (B, 10)
    )


@register_model
def vgg11(
    num_classes: int = 10,
    in_channels: int = 1,
    ratio: int = 1,
    image_size: int = 224,
    dropout: float = 0.5,
) -> nn.Module:
    """VGG-11; ``ratio=4`` divides the channels by 4, the smaller net the book trains in 7.2."""
    arch = tuple((num_convs, channels // ratio) for num_convs, channels in VGG11_ARCH)
    return vgg(arch, num_classes, in_channels, 4096, image_size, dropout)


@register_model
def vgg11_tiny(
    num_classes: int = 10, in_channels: int = 1, image_size: int = 32, dropout: float = 0.5
) -> nn.Module:
    """VGG-11's layout with 4-32 channels and 32 hidden units, for fast tests on 32x32."""
    arch = tuple((num_convs, channels // 16) for num_convs, channels in VGG11_ARCH)
    return vgg(arch, num_classes, in_channels, 32, image_size, dropout)
