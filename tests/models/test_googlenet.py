"""GoogLeNet (d2l 7.4): the book's per-stage shapes on 96x96 and its parameter count."""

from __future__ import annotations

import pytest
import torch

from d2lkit.models import create_model
from d2lkit.models.googlenet import Inception


def conv(c_in: int, c_out: int, k: int) -> int:
    return c_in * c_out * k * k + c_out


def inception(c_in: int, c1: int, c2: tuple[int, int], c3: tuple[int, int], c4: int) -> int:
    return (
        conv(c_in, c1, 1)
        + conv(c_in, c2[0], 1)
        + conv(c2[0], c2[1], 3)
        + conv(c_in, c3[0], 1)
        + conv(c3[0], c3[1], 5)
        + conv(c_in, c4, 1)
    )


@pytest.fixture(scope="module")
def net() -> torch.nn.Module:
    return create_model("googlenet").eval()


def test_layer_shapes_match_the_book(net, layer_shapes) -> None:
    assert layer_shapes(net, torch.rand(1, 1, 96, 96)) == [
        ("Sequential", (1, 64, 24, 24)),
        ("Sequential", (1, 192, 12, 12)),
        ("Sequential", (1, 480, 6, 6)),
        ("Sequential", (1, 832, 3, 3)),
        ("Sequential", (1, 1024)),
        ("Linear", (1, 10)),
    ]


def test_parameter_count(net, num_params) -> None:
    expected = (
        conv(1, 64, 7)
        + conv(64, 64, 1)
        + conv(64, 192, 3)
        + inception(192, 64, (96, 128), (16, 32), 32)
        + inception(256, 128, (128, 192), (32, 96), 64)
        + inception(480, 192, (96, 208), (16, 48), 64)
        + inception(512, 160, (112, 224), (24, 64), 64)
        + inception(512, 128, (128, 256), (24, 64), 64)
        + inception(512, 112, (144, 288), (32, 64), 64)
        + inception(528, 256, (160, 320), (32, 128), 128)
        + inception(832, 256, (160, 320), (32, 128), 128)
        + inception(832, 384, (192, 384), (48, 128), 128)
        + 1024 * 10
        + 10
    )
    assert expected == 5_977_530
    assert num_params(net) == expected


def test_inception_concatenates_its_four_paths() -> None:
    blk = Inception(192, 64, (96, 128), (16, 32), 32)
    assert blk(torch.rand(2, 192, 12, 12)).shape == (2, 64 + 128 + 32 + 32, 12, 12)


def test_tiny_variant_takes_channels_and_classes() -> None:
    net = create_model("googlenet_tiny", in_channels=3, num_classes=4).eval()
    assert net(torch.rand(2, 3, 32, 32)).shape == (2, 4)
