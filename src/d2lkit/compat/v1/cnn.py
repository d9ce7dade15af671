"""d2l 1.0's convolutional pieces (7.6, 8.6, 13.6): ``init_cnn``, ``LeNet``, residual blocks.

The blocks are d2lkit's (:mod:`d2lkit.models.resnet`) with their input
channels inferred from the first batch, as the English edition's lazy layers do.
"""

from __future__ import annotations

from torch import nn

from d2lkit.compat.v1.module import Classifier
from d2lkit.models import resnet as _resnet
from d2lkit.models.init import INITIALIZERS

__all__ = ["LeNet", "ResNeXtBlock", "Residual", "init_cnn", "resnet18"]


def init_cnn(module: nn.Module) -> None:
    """Xavier-uniform weights for a ``nn.Linear`` or ``nn.Conv2d`` (use with ``net.apply``).

    As in the book the test is on the exact type: a lazy layer that has not
    seen a batch yet is left as it is.
    """
    if type(module) is nn.Linear or type(module) is nn.Conv2d:
        INITIALIZERS["xavier_uniform"](module.weight)


class LeNet(Classifier):
    """LeNet-5 (7.6): two sigmoid conv + average-pool stages, then three dense layers."""

    def __init__(self, lr: float = 0.1, num_classes: int = 10) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(
            nn.LazyConv2d(6, kernel_size=5, padding=2), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.LazyConv2d(16, kernel_size=5), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Flatten(),
            nn.LazyLinear(120), nn.Sigmoid(),
            nn.LazyLinear(84), nn.Sigmoid(),
            nn.LazyLinear(num_classes),
        )  # fmt: skip


class Residual(_resnet.Residual):
    """``Residual(num_channels, use_1x1conv=False, strides=1)``: input channels inferred."""

    def __init__(self, num_channels: int, use_1x1conv: bool = False, strides: int = 1) -> None:
        super().__init__(None, num_channels, use_1x1conv=use_1x1conv, strides=strides)


class ResNeXtBlock(_resnet.ResNeXtBlock):
    """``ResNeXtBlock(num_channels, groups, bot_mul, use_1x1conv=False, strides=1)`` (8.6)."""

    def __init__(
        self,
        num_channels: int,
        groups: int,
        bot_mul: float,
        use_1x1conv: bool = False,
        strides: int = 1,
    ) -> None:
        super().__init__(num_channels, groups, bot_mul, use_1x1conv, strides)


def resnet18(num_classes: int, in_channels: int = 1) -> nn.Module:
    """The slightly modified ResNet-18 of 13.6: a 3x3 stem without max-pooling, four stages.

    Module names as in the book (``resnet_block1`` ... ``fc``); the stages are
    d2lkit's :func:`~d2lkit.models.resnet.resnet_block` (channels known, not lazy).
    """
    net = nn.Sequential(
        nn.Conv2d(in_channels, 64, kernel_size=3, stride=1, padding=1),
        nn.BatchNorm2d(64),
        nn.ReLU(),
    )
    net.add_module("resnet_block1", _resnet.resnet_block(64, 64, 2, first_block=True))
    net.add_module("resnet_block2", _resnet.resnet_block(64, 128, 2))
    net.add_module("resnet_block3", _resnet.resnet_block(128, 256, 2))
    net.add_module("resnet_block4", _resnet.resnet_block(256, 512, 2))
    net.add_module("global_avg_pool", nn.AdaptiveAvgPool2d((1, 1)))
    net.add_module("fc", nn.Sequential(nn.Flatten(), nn.Linear(512, num_classes)))
    return net
