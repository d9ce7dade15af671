"""DenseNet (d2l 7.7): dense blocks, transition layers, shapes on 96x96, parameter count."""

from __future__ import annotations

import pytest
import torch

from d2lkit.models import create_model
from d2lkit.models.densenet import DenseBlock, transition_block


def conv(c_in: int, c_out: int, k: int) -> int:
    return c_in * c_out * k * k + c_out


def bn(c: int) -> int:
    return 2 * c


def dense_block(num_convs: int, c_in: int, growth: int) -> int:
    return sum(bn(c_in + i * growth) + conv(c_in + i * growth, growth, 3) for i in range(num_convs))


def transition(c_in: int, c_out: int) -> int:
    return bn(c_in) + conv(c_in, c_out, 1)


@pytest.fixture(scope="module")
def net() -> torch.nn.Module:
    return create_model("densenet").eval()


def test_dense_block_adds_growth_rate_channels_per_conv() -> None:
    # The book's check: DenseBlock(2, 3, 10) on (4, 3, 8, 8) gives 3 + 2 * 10 = 23 channels.
    Y = DenseBlock(2, 3, 10)(torch.rand(4, 3, 8, 8))
    assert Y.shape == (4, 23, 8, 8)
    assert transition_block(23, 10)(Y).shape == (4, 10, 4, 4)


def test_layer_shapes_on_96x96(net, layer_shapes) -> None:
    # Channels: 64 + 4 * 32 = 192, halved to 96 by the transition, and so on.
    assert layer_shapes(net, torch.rand(1, 1, 96, 96)) == [
        ("Sequential", (1, 64, 24, 24)),
        ("DenseBlock", (1, 192, 24, 24)),
        ("Sequential", (1, 96, 12, 12)),
        ("DenseBlock", (1, 224, 12, 12)),
        ("Sequential", (1, 112, 6, 6)),
        ("DenseBlock", (1, 240, 6, 6)),
        ("Sequential", (1, 120, 3, 3)),
        ("DenseBlock", (1, 248, 3, 3)),
        ("BatchNorm2d", (1, 248, 3, 3)),
        ("ReLU", (1, 248, 3, 3)),
        ("AdaptiveAvgPool2d", (1, 248, 1, 1)),
        ("Flatten", (1, 248)),
        ("Linear", (1, 10)),
    ]


def test_parameter_count(net, num_params) -> None:
    expected = (
        conv(1, 64, 7)
        + bn(64)
        + dense_block(4, 64, 32)
        + transition(192, 96)
        + dense_block(4, 96, 32)
        + transition(224, 112)
        + dense_block(4, 112, 32)
        + transition(240, 120)
        + dense_block(4, 120, 32)
        + bn(248)
        + 248 * 10
        + 10
    )
    assert expected == 758_226
    assert num_params(net) == expected


def test_tiny_variant_takes_channels_and_classes() -> None:
    net = create_model("densenet_tiny", in_channels=3, num_classes=4).eval()
    assert net(torch.rand(2, 3, 32, 32)).shape == (2, 4)
