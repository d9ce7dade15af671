"""ResNet-18 (d2l 7.6, the Fashion-MNIST variant): residual blocks, shapes, parameter count."""

from __future__ import annotations

import pytest
import torch

from d2lkit.models import create_model
from d2lkit.models.resnet import Residual


def conv(c_in: int, c_out: int, k: int) -> int:
    return c_in * c_out * k * k + c_out


def bn(c: int) -> int:
    return 2 * c


def residual(c_in: int, c: int, use_1x1conv: bool = False) -> int:
    return (
        conv(c_in, c, 3) + bn(c) + conv(c, c, 3) + bn(c) + (conv(c_in, c, 1) if use_1x1conv else 0)
    )


@pytest.fixture(scope="module")
def net() -> torch.nn.Module:
    return create_model("resnet18").eval()


def test_residual_keeps_shape_by_default() -> None:
    # The book's check: Residual(3, 3) on (4, 3, 6, 6).
    assert Residual(3, 3)(torch.rand(4, 3, 6, 6)).shape == (4, 3, 6, 6)


def test_residual_with_1x1_conv_changes_channels_and_halves_size() -> None:
    blk = Residual(3, 6, use_1x1conv=True, strides=2)
    assert blk(torch.rand(4, 3, 6, 6)).shape == (4, 6, 3, 3)


def test_layer_shapes_on_96x96_match_the_book(net, layer_shapes) -> None:
    # The book trains on Fashion-MNIST resized to 96x96.
    assert layer_shapes(net, torch.rand(1, 1, 96, 96)) == [
        ("Sequential", (1, 64, 24, 24)),
        ("Sequential", (1, 64, 24, 24)),
        ("Sequential", (1, 128, 12, 12)),
        ("Sequential", (1, 256, 6, 6)),
        ("Sequential", (1, 512, 3, 3)),
        ("AdaptiveAvgPool2d", (1, 512, 1, 1)),
        ("Flatten", (1, 512)),
        ("Linear", (1, 10)),
    ]


def test_layer_shapes_on_224x224_match_the_book(net, layer_shapes) -> None:
    # The shapes d2l 7.6 prints for a 224x224 input.
    assert layer_shapes(net, torch.rand(1, 1, 224, 224)) == [
        ("Sequential", (1, 64, 56, 56)),
        ("Sequential", (1, 64, 56, 56)),
        ("Sequential", (1, 128, 28, 28)),
        ("Sequential", (1, 256, 14, 14)),
        ("Sequential", (1, 512, 7, 7)),
        ("AdaptiveAvgPool2d", (1, 512, 1, 1)),
        ("Flatten", (1, 512)),
        ("Linear", (1, 10)),
    ]


def test_parameter_count(net, num_params) -> None:
    expected = (
        conv(1, 64, 7)
        + bn(64)
        + residual(64, 64)
        + residual(64, 64)
        + residual(64, 128, True)
        + residual(128, 128)
        + residual(128, 256, True)
        + residual(256, 256)
        + residual(256, 512, True)
        + residual(512, 512)
        + 512 * 10
        + 10
    )
    assert expected == 11_178_378
    assert num_params(net) == expected


def test_in_channels_and_num_classes() -> None:
    net = create_model("resnet18", in_channels=3, num_classes=100).eval()
    with torch.no_grad():
        assert net(torch.rand(1, 3, 64, 64)).shape == (1, 100)
    tiny = create_model("resnet18_tiny", in_channels=3, num_classes=4).eval()
    assert tiny(torch.rand(2, 3, 32, 32)).shape == (2, 4)


def test_the_small_image_resnet18_keeps_the_resolution_through_its_stem():
    from d2lkit.models.resnet import resnet18_small_images

    model = resnet18_small_images(num_classes=10, in_channels=3)
    stem = model[0]
    assert (stem.kernel_size, stem.stride) == ((3, 3), (1, 1))  # no 7x7 stride 2, no max-pool
    assert not any(isinstance(m, torch.nn.MaxPool2d) for m in model.modules())
    assert model(torch.zeros(2, 3, 32, 32)).shape == (2, 10)
    assert model[4](torch.zeros(1, 64, 32, 32)).shape == (1, 128, 16, 16)


def test_a_residual_block_without_in_channels_equals_the_sized_one():
    torch.manual_seed(0)
    lazy = Residual(None, 8, use_1x1conv=True, strides=2)
    X = torch.randn(2, 3, 10, 10)
    lazy.eval()
    out = lazy(X)  # takes its input channels from X
    sized = Residual(3, 8, use_1x1conv=True, strides=2)
    sized.load_state_dict(lazy.state_dict())
    sized.eval()
    torch.testing.assert_close(sized(X), out)


def test_resnext_block_adds_its_input_after_grouped_bottleneck_convolutions():
    from d2lkit.models.resnet import ResNeXtBlock

    torch.manual_seed(0)
    blk = ResNeXtBlock(16, groups=4, bot_mul=0.5, in_channels=16)
    blk.eval()
    X = torch.randn(2, 16, 6, 6)
    F = torch.nn.functional
    Y = F.relu(blk.bn1(F.conv2d(X, blk.conv1.weight, blk.conv1.bias)))
    Y = F.relu(blk.bn2(F.conv2d(Y, blk.conv2.weight, blk.conv2.bias, padding=1, groups=2)))
    Y = blk.bn3(F.conv2d(Y, blk.conv3.weight, blk.conv3.bias))
    torch.testing.assert_close(blk(X), F.relu(Y + X))  # 8 bottleneck channels in 2 groups of 4
