"""Fully convolutional networks for semantic segmentation (d2l 13.10-13.11).

A CNN body that shrinks images 32 times, a 1x1 convolution to one channel per
class, and a transposed convolution (kernel 64, stride 32, padding 16) that
brings the map back to the input's size, initialised to bilinear upsampling
(:func:`bilinear_kernel`). The book's body is ImageNet-trained ResNet-18 without
its pooling and classifier; its weights come from d2lkit's store.
"""

from __future__ import annotations

import itertools
import os
from collections import OrderedDict

import torch
from torch import nn

from d2lkit.models.pretrained import imagenet_resnet18
from d2lkit.models.registry import register_model

__all__ = ["bilinear_kernel", "fcn", "fcn_resnet18", "fcn_tiny"]


def bilinear_kernel(in_channels: int, out_channels: int, kernel_size: int) -> torch.Tensor:
    """A transposed-convolution weight ``(in, out, k, k)`` that upsamples each channel bilinearly.

    Channel ``i`` maps to channel ``i`` only (the others get zeros), so use it
    with ``in_channels == out_channels``; ``kernel_size = 2 * stride`` and
    ``padding = stride / 2`` scale height and width by ``stride``.
    """
    factor = (kernel_size + 1) // 2
    center = factor - 1 if kernel_size % 2 == 1 else factor - 0.5
    og = torch.arange(kernel_size, dtype=torch.float32)
    filt_1d = 1 - torch.abs(og - center) / factor  # (k,)
    weight = torch.zeros((in_channels, out_channels, kernel_size, kernel_size))
    idx = torch.arange(min(in_channels, out_channels))
    weight[idx, idx] = filt_1d[:, None] * filt_1d[None, :]
    return weight


def fcn(body: nn.Sequential, body_channels: int, num_classes: int) -> nn.Sequential:
    """``body`` (stride 32, ``body_channels`` out), a 1x1 conv and the bilinear upsampling.

    A plain ``nn.Sequential`` (the body's layers keep their names, then
    ``final_conv`` and ``transpose_conv``), so it slices and indexes as the book's.
    """
    net = nn.Sequential(OrderedDict(body.named_children()))  # the same layers and names
    net.add_module("final_conv", nn.Conv2d(body_channels, num_classes, kernel_size=1))
    upsample = nn.ConvTranspose2d(num_classes, num_classes, kernel_size=64, padding=16, stride=32)
    with torch.no_grad():
        upsample.weight.copy_(bilinear_kernel(num_classes, num_classes, 64))
    net.add_module("transpose_conv", upsample)
    return net


@register_model
def fcn_resnet18(
    num_classes: int = 21,
    pretrained: bool = False,
    root: str | os.PathLike[str] | None = None,
    download: bool = True,
) -> nn.Module:
    """The book's FCN: torchvision's ResNet-18 body (ImageNet weights if ``pretrained``).

    Output ``(B, num_classes, H, W)`` for inputs whose sides are multiples of 32.
    """
    resnet = imagenet_resnet18(pretrained, root, download=download)
    body = nn.Sequential(*list(resnet.children())[:-2])  # no global pooling, no classifier
    return fcn(body, 512, num_classes)


@register_model
def fcn_tiny(num_classes: int = 21, in_channels: int = 3) -> nn.Module:
    """An FCN with a five-stage body of 4 to 16 channels (stride 32), for fast tests."""
    layers: list[nn.Module] = []
    channels = [in_channels, 4, 8, 8, 16, 16]
    for a, b in itertools.pairwise(channels):
        layers += [nn.Conv2d(a, b, 3, stride=2, padding=1), nn.BatchNorm2d(b), nn.ReLU()]
    return fcn(nn.Sequential(*layers), channels[-1], num_classes)
