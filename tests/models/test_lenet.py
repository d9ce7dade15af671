"""LeNet (d2l 6.6) and LeNet with batch norm (7.5): the book's shapes and parameter counts."""

from __future__ import annotations

import pytest
import torch

from d2lkit.models import create_model


def conv(c_in: int, c_out: int, k: int) -> int:
    return c_in * c_out * k * k + c_out


def linear(n_in: int, n_out: int) -> int:
    return n_in * n_out + n_out


def test_lenet_layer_shapes_match_the_book(layer_shapes) -> None:
    net = create_model("lenet")
    assert layer_shapes(net, torch.rand(1, 1, 28, 28)) == [
        ("Conv2d", (1, 6, 28, 28)),
        ("Sigmoid", (1, 6, 28, 28)),
        ("AvgPool2d", (1, 6, 14, 14)),
        ("Conv2d", (1, 16, 10, 10)),
        ("Sigmoid", (1, 16, 10, 10)),
        ("AvgPool2d", (1, 16, 5, 5)),
        ("Flatten", (1, 400)),
        ("Linear", (1, 120)),
        ("Sigmoid", (1, 120)),
        ("Linear", (1, 84)),
        ("Sigmoid", (1, 84)),
        ("Linear", (1, 10)),
    ]


def test_lenet_parameter_count(num_params) -> None:
    expected = conv(1, 6, 5) + conv(6, 16, 5) + linear(400, 120) + linear(120, 84) + linear(84, 10)
    assert expected == 61_706
    assert num_params(create_model("lenet")) == expected


def test_lenet_bn_layer_shapes(layer_shapes) -> None:
    net = create_model("lenet_bn")  # batch of 2: BatchNorm1d needs more than one value
    assert layer_shapes(net, torch.rand(2, 1, 28, 28)) == [
        ("Conv2d", (2, 6, 24, 24)),
        ("BatchNorm2d", (2, 6, 24, 24)),
        ("Sigmoid", (2, 6, 24, 24)),
        ("AvgPool2d", (2, 6, 12, 12)),
        ("Conv2d", (2, 16, 8, 8)),
        ("BatchNorm2d", (2, 16, 8, 8)),
        ("Sigmoid", (2, 16, 8, 8)),
        ("AvgPool2d", (2, 16, 4, 4)),
        ("Flatten", (2, 256)),
        ("Linear", (2, 120)),
        ("BatchNorm1d", (2, 120)),
        ("Sigmoid", (2, 120)),
        ("Linear", (2, 84)),
        ("BatchNorm1d", (2, 84)),
        ("Sigmoid", (2, 84)),
        ("Linear", (2, 10)),
    ]


@pytest.mark.parametrize("name", ["lenet_bn", "lenet_bn_scratch"])
def test_lenet_bn_parameter_count(name: str, num_params) -> None:
    # Each batch norm adds a scale and a shift per channel or feature.
    expected = (
        conv(1, 6, 5)
        + 2 * 6
        + conv(6, 16, 5)
        + 2 * 16
        + linear(256, 120)
        + 2 * 120
        + linear(120, 84)
        + 2 * 84
        + linear(84, 10)
    )
    assert expected == 44_878
    assert num_params(create_model(name)) == expected


@pytest.mark.parametrize("name", ["lenet", "lenet_bn", "lenet_bn_scratch"])
def test_lenet_takes_in_channels_and_num_classes(name: str) -> None:
    net = create_model(name, in_channels=3, num_classes=5)
    assert net(torch.rand(2, 3, 28, 28)).shape == (2, 5)
