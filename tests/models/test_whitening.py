"""Patch-whitening of the first convolution: what the filters are, and what is refused."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from d2lkit.errors import ConfigError
from d2lkit.models import create_model, whiten_first_conv


def _images(n: int = 200) -> torch.Tensor:
    g = torch.Generator().manual_seed(0)
    base = torch.rand(n, 1, 12, 12, generator=g)
    return F.avg_pool2d(base, 3, stride=1, padding=1)  # neighbouring pixels correlate


def test_the_filters_whiten_the_patches_and_come_in_sign_pairs():
    net = nn.Sequential(nn.Conv2d(1, 18, 3, padding=1, bias=False), nn.ReLU())
    images = _images()
    conv = whiten_first_conv(net, images, eps=0.0, max_patches=10**9)
    n = 9
    assert torch.equal(conv.weight[n:], -conv.weight[:n])
    patches = F.unfold(images, 3, padding=1).transpose(1, 2).reshape(-1, 9).double()
    responses = patches @ conv.weight[:n].reshape(n, 9).double().T
    covariance = torch.cov(responses.T)
    assert torch.allclose(covariance, torch.eye(n, dtype=torch.float64), atol=1e-4)


def test_the_filters_are_frozen_and_the_global_random_state_is_left_alone():
    net = create_model("fast_cnn_tiny")  # first conv: 1 -> 4 channels, no bias
    state = torch.get_rng_state()
    conv = whiten_first_conv(net, _images(), max_patches=500, seed=3)
    assert torch.equal(torch.get_rng_state(), state)
    assert not conv.weight.requires_grad
    assert all(p.requires_grad for name, p in net.named_parameters() if name != "0.weight")


def test_the_same_seed_gives_the_same_filters():
    a, b = create_model("fast_cnn_tiny"), create_model("fast_cnn_tiny")
    wa = whiten_first_conv(a, _images(), max_patches=500, seed=1).weight
    wb = whiten_first_conv(b, _images(), max_patches=500, seed=1).weight
    assert torch.equal(wa, wb)


@pytest.mark.parametrize(
    ("layer", "message"),
    [
        (nn.Conv2d(1, 3, 3), "even number"),
        (nn.Conv2d(1, 20, 3), "even number"),
        (nn.Conv2d(2, 4, 3, groups=2), "groups"),
    ],
)
def test_a_first_conv_that_cannot_be_whitened_is_refused_by_name(layer, message):
    images = torch.rand(4, layer.in_channels, 8, 8)
    with pytest.raises(ConfigError, match=message):
        whiten_first_conv(nn.Sequential(layer), images)


def test_a_network_without_a_convolution_is_refused():
    with pytest.raises(ConfigError, match=r"no nn\.Conv2d"):
        whiten_first_conv(nn.Sequential(nn.Flatten(), nn.Linear(4, 2)), torch.rand(2, 1, 2, 2))
