"""FCN (13.11): bilinear upsampling by a transposed convolution, the book's ResNet-18 body."""

from __future__ import annotations

import pytest
import torch
import torchvision
from torch import nn
from torch.nn import functional as F

from d2lkit.data.store import DataSetUnavailable
from d2lkit.models.fcn import bilinear_kernel, fcn_resnet18, fcn_tiny


def test_a_bilinear_transposed_conv_doubles_an_image_as_bilinear_interpolation_does():
    conv = nn.ConvTranspose2d(3, 3, kernel_size=4, padding=1, stride=2, bias=False)
    with torch.no_grad():
        conv.weight.copy_(bilinear_kernel(3, 3, 4))
    X = torch.rand(1, 3, 12, 16)
    Y = conv(X)
    expected = F.interpolate(X, scale_factor=2, mode="bilinear", align_corners=False)
    assert Y.shape == (1, 3, 24, 32)
    torch.testing.assert_close(Y[..., 1:-1, 1:-1], expected[..., 1:-1, 1:-1])  # borders differ


def test_the_kernel_of_an_odd_size_peaks_at_its_centre_and_only_maps_a_channel_to_itself():
    weight = bilinear_kernel(2, 2, 3)
    assert weight.shape == (2, 2, 3, 3)
    torch.testing.assert_close(weight[0, 0, 1], torch.tensor([0.5, 1.0, 0.5]))
    assert weight[0, 1].abs().sum() == 0 and weight[1, 0].abs().sum() == 0


def test_fcn_on_resnet18_keeps_the_books_layers_and_the_input_size():
    net = fcn_resnet18(num_classes=21, pretrained=False)
    names = [name for name, _ in net.named_children()]
    assert names == [str(i) for i in range(8)] + ["final_conv", "transpose_conv"]
    resnet = torchvision.models.resnet18(weights=None)
    assert [type(m) for m in list(net.children())[:8]] == [
        type(m) for m in list(resnet.children())[:-2]
    ]
    with torch.no_grad():
        assert net[:8](torch.rand(1, 3, 320, 480)).shape == (1, 512, 10, 15)  # the book's
        assert net(torch.rand(1, 3, 64, 96)).shape == (1, 21, 64, 96)
    torch.testing.assert_close(net.transpose_conv.weight, bilinear_kernel(21, 21, 64))


def test_the_tiny_fcn_is_an_fcn_of_the_same_shape_contract():
    net = fcn_tiny(num_classes=5)
    assert [name for name, _ in net.named_children()][-2:] == ["final_conv", "transpose_conv"]
    with torch.no_grad():
        assert net(torch.rand(2, 3, 64, 32)).shape == (2, 5, 64, 32)


def test_pretrained_weights_missing_offline_name_the_file_url_and_folder(tmp_path):
    with pytest.raises(DataSetUnavailable) as err:
        fcn_resnet18(pretrained=True, root=tmp_path, download=False)
    assert "https://download.pytorch.org/models/resnet18-f37072fd.pth" in err.value.fix
    assert str(tmp_path / "weights") in err.value.fix
