"""NiN (d2l 7.3): the book's per-layer shapes on 224x224 and its parameter count."""

from __future__ import annotations

import pytest
import torch

from d2lkit.models import create_model


def conv(c_in: int, c_out: int, k: int) -> int:
    return c_in * c_out * k * k + c_out


def nin_block(c_in: int, c_out: int, k: int) -> int:
    return conv(c_in, c_out, k) + 2 * conv(c_out, c_out, 1)


@pytest.fixture(scope="module")
def net() -> torch.nn.Module:
    return create_model("nin").eval()


def test_layer_shapes_match_the_book(net, layer_shapes) -> None:
    assert layer_shapes(net, torch.rand(1, 1, 224, 224)) == [
        ("Sequential", (1, 96, 54, 54)),
        ("MaxPool2d", (1, 96, 26, 26)),
        ("Sequential", (1, 256, 26, 26)),
        ("MaxPool2d", (1, 256, 12, 12)),
        ("Sequential", (1, 384, 12, 12)),
        ("MaxPool2d", (1, 384, 5, 5)),
        ("Dropout", (1, 384, 5, 5)),
        ("Sequential", (1, 10, 5, 5)),
        ("AdaptiveAvgPool2d", (1, 10, 1, 1)),
        ("Flatten", (1, 10)),
    ]


def test_parameter_count(net, num_params) -> None:
    expected = (
        nin_block(1, 96, 11)
        + nin_block(96, 256, 5)
        + nin_block(256, 384, 3)
        + nin_block(384, 10, 3)
    )
    assert expected == 1_992_166  # no dense layers: ~2M against AlexNet's ~47M
    assert num_params(net) == expected


def test_tiny_variant_takes_channels_and_classes() -> None:
    net = create_model("nin_tiny", in_channels=3, num_classes=4).eval()
    assert net(torch.rand(2, 3, 96, 96)).shape == (2, 4)
