"""The 1.0 convolutional pieces: lazy residual blocks, ResNeXt, init_cnn, resnet18."""

from __future__ import annotations

import math

import torch
from torch import nn

from d2lkit.v1 import torch as d2l


def test_residual_blocks_keep_or_halve_the_shape_as_in_the_book():
    X = torch.randn(4, 3, 6, 6)
    blk = d2l.Residual(3)
    assert blk(X).shape == (4, 3, 6, 6)
    blk = d2l.Residual(6, use_1x1conv=True, strides=2)
    assert blk(X).shape == (4, 6, 3, 3)
    assert blk.conv1.weight.shape == (6, 3, 3, 3)  # input channels from the batch


def test_resnext_block_keeps_the_books_shape_with_grouped_convolutions():
    blk = d2l.ResNeXtBlock(32, 16, 1)
    X = torch.randn(4, 32, 96, 96)
    assert blk(X).shape == (4, 32, 96, 96)
    assert blk.conv2.groups == 2  # 32 bottleneck channels in groups of 16
    blk = d2l.ResNeXtBlock(64, 16, 0.5, use_1x1conv=True, strides=2)
    assert blk(X).shape == (4, 64, 48, 48)


def test_init_cnn_draws_xavier_weights_for_linear_and_conv_only():
    conv, linear, bn = nn.Conv2d(3, 8, 3), nn.Linear(20, 5), nn.BatchNorm2d(8)
    for module in (conv, linear):
        with torch.no_grad():
            module.weight.fill_(9.0)
        d2l.init_cnn(module)
    d2l.init_cnn(bn)
    assert float(conv.weight.detach().abs().max()) <= math.sqrt(6 / (27 + 72))
    assert float(linear.weight.detach().abs().max()) <= math.sqrt(6 / 25)
    assert float(bn.weight.detach()[0]) == 1.0
    lazy = nn.LazyLinear(4)
    d2l.init_cnn(lazy)  # a lazy layer is not a nn.Linear yet: left alone, as in the book


def test_resnet18_of_13_6_classifies_fashion_mnist_sized_images():
    net = d2l.resnet18(10)
    net.eval()
    assert net(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    assert [name for name, _ in net.named_children()][3:] == [
        "resnet_block1", "resnet_block2", "resnet_block3", "resnet_block4", "global_avg_pool", "fc",
    ]  # fmt: skip
