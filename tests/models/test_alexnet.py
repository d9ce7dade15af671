"""AlexNet (d2l 7.1): the book's per-layer shapes on 224x224 and its parameter count."""

from __future__ import annotations

import pytest
import torch

from d2lkit.errors import ConfigError
from d2lkit.models import create_model


def conv(c_in: int, c_out: int, k: int) -> int:
    return c_in * c_out * k * k + c_out


def linear(n_in: int, n_out: int) -> int:
    return n_in * n_out + n_out


@pytest.fixture(scope="module")
def net() -> torch.nn.Module:
    return create_model("alexnet").eval()


def test_layer_shapes_match_the_book(net, layer_shapes) -> None:
    assert layer_shapes(net, torch.rand(1, 1, 224, 224)) == [
        ("Conv2d", (1, 96, 54, 54)),
        ("ReLU", (1, 96, 54, 54)),
        ("MaxPool2d", (1, 96, 26, 26)),
        ("Conv2d", (1, 256, 26, 26)),
        ("ReLU", (1, 256, 26, 26)),
        ("MaxPool2d", (1, 256, 12, 12)),
        ("Conv2d", (1, 384, 12, 12)),
        ("ReLU", (1, 384, 12, 12)),
        ("Conv2d", (1, 384, 12, 12)),
        ("ReLU", (1, 384, 12, 12)),
        ("Conv2d", (1, 256, 12, 12)),
        ("ReLU", (1, 256, 12, 12)),
        ("MaxPool2d", (1, 256, 5, 5)),
        ("Flatten", (1, 6400)),
        ("Linear", (1, 4096)),
        ("ReLU", (1, 4096)),
        ("Dropout", (1, 4096)),
        ("Linear", (1, 4096)),
        ("ReLU", (1, 4096)),
        ("Dropout", (1, 4096)),
        ("Linear", (1, 10)),
    ]


def test_parameter_count(net, num_params) -> None:
    expected = (
        conv(1, 96, 11)
        + conv(96, 256, 5)
        + conv(256, 384, 3)
        + conv(384, 384, 3)
        + conv(384, 256, 3)
        + linear(6400, 4096)
        + linear(4096, 4096)
        + linear(4096, 10)
    )
    assert expected == 46_764_746  # ~47M, nearly all in the dense layers
    assert num_params(net) == expected


def test_tiny_variant_takes_channels_classes_and_other_image_sizes() -> None:
    net = create_model("alexnet_tiny", in_channels=3, num_classes=4, image_size=128).eval()
    assert net(torch.rand(2, 3, 128, 128)).shape == (2, 4)


def test_too_small_images_are_a_config_error() -> None:
    with pytest.raises(ConfigError, match="67x67"):
        create_model("alexnet_tiny", image_size=28)
