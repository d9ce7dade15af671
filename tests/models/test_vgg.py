"""VGG-11 (d2l 7.2): the book's per-block shapes on 224x224 and its parameter count."""

from __future__ import annotations

import pytest
import torch

from d2lkit.errors import ConfigError
from d2lkit.models import create_model
from d2lkit.models.vgg import VGG11_ARCH, vgg_block


def conv(c_in: int, c_out: int, k: int) -> int:
    return c_in * c_out * k * k + c_out


def linear(n_in: int, n_out: int) -> int:
    return n_in * n_out + n_out


def vgg_params(arch, in_channels: int, hidden: int, num_classes: int, side: int) -> int:
    total = 0
    for num_convs, channels in arch:
        for _ in range(num_convs):
            total += conv(in_channels, channels, 3)
            in_channels = channels
    return (
        total
        + linear(in_channels * side * side, hidden)
        + linear(hidden, hidden)
        + linear(hidden, num_classes)
    )


@pytest.fixture(scope="module")
def net() -> torch.nn.Module:
    return create_model("vgg11").eval()


def test_layer_shapes_match_the_book(net, layer_shapes) -> None:
    assert layer_shapes(net, torch.rand(1, 1, 224, 224)) == [
        ("Sequential", (1, 64, 112, 112)),
        ("Sequential", (1, 128, 56, 56)),
        ("Sequential", (1, 256, 28, 28)),
        ("Sequential", (1, 512, 14, 14)),
        ("Sequential", (1, 512, 7, 7)),
        ("Flatten", (1, 25088)),
        ("Linear", (1, 4096)),
        ("ReLU", (1, 4096)),
        ("Dropout", (1, 4096)),
        ("Linear", (1, 4096)),
        ("ReLU", (1, 4096)),
        ("Dropout", (1, 4096)),
        ("Linear", (1, 10)),
    ]


def test_parameter_count(net, num_params) -> None:
    expected = vgg_params(VGG11_ARCH, 1, 4096, 10, 7)
    # 9,219,328 in the eight convolutions, 119,586,826 in the three dense layers.
    assert expected == 128_806_154
    assert num_params(net) == expected


def test_book_small_vgg_divides_channels_by_ratio(num_params) -> None:
    with torch.device("meta"):  # counts without allocating the 100M-value dense layer
        net = create_model("vgg11", ratio=4)  # what the book trains in 7.2
    small = tuple((n, c // 4) for n, c in VGG11_ARCH)
    assert num_params(net) == vgg_params(small, 1, 4096, 10, 7)


def test_vgg_block_halves_height_and_width() -> None:
    assert vgg_block(2, 3, 8)(torch.rand(2, 3, 16, 16)).shape == (2, 8, 8, 8)


def test_tiny_variant_on_32x32() -> None:
    net = create_model("vgg11_tiny", in_channels=3, num_classes=4).eval()
    assert net(torch.rand(2, 3, 32, 32)).shape == (2, 4)


def test_too_small_images_are_a_config_error() -> None:
    with pytest.raises(ConfigError, match="32x32"):
        create_model("vgg11_tiny", image_size=16)
