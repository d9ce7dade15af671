"""Weight initialisation by name (models/init.py): each scheme's spread, biases untouched."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from d2lkit.errors import ConfigError
from d2lkit.models import INITIALIZERS, init_weights

FAN_IN, FAN_OUT = 400, 600

# The standard deviation each scheme gives a (FAN_OUT x FAN_IN) weight matrix.
EXPECTED_STD = {
    "normal": 0.01,
    "xavier_uniform": math.sqrt(2 / (FAN_IN + FAN_OUT)),  # U(-a, a), a = sqrt(6 / (in + out))
    "xavier_normal": math.sqrt(2 / (FAN_IN + FAN_OUT)),
    "kaiming_uniform": math.sqrt(2 / FAN_IN),  # He, for ReLU: variance 2 / fan_in
    "kaiming_normal": math.sqrt(2 / FAN_IN),
}


def test_every_scheme_is_tested() -> None:
    assert set(INITIALIZERS) == set(EXPECTED_STD)


@pytest.mark.parametrize("scheme", sorted(EXPECTED_STD))
def test_linear_weights_get_the_scheme_spread(scheme: str) -> None:
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(FAN_IN, FAN_OUT))
    init_weights(net, scheme)
    w = net[0].weight.detach()
    # 240,000 draws: the sample mean is within ~0.2% of the std of 0, the std within ~0.15%.
    assert abs(w.mean().item()) < 0.02 * EXPECTED_STD[scheme]
    assert w.std().item() == pytest.approx(EXPECTED_STD[scheme], rel=0.02)


@pytest.mark.parametrize("scheme", ["xavier_uniform", "kaiming_uniform"])
def test_uniform_schemes_stay_within_their_bound(scheme: str) -> None:
    net = init_weights(nn.Sequential(nn.Linear(FAN_IN, FAN_OUT)), scheme)
    bound = EXPECTED_STD[scheme] * math.sqrt(3)  # U(-a, a) has std a / sqrt(3)
    assert net[0].weight.abs().max().item() <= bound


def test_convolutions_are_initialised_and_biases_kept() -> None:
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(16, 32, kernel_size=5), nn.ReLU(), nn.Linear(8, 4))
    biases = [net[0].bias.detach().clone(), net[2].bias.detach().clone()]
    init_weights(net, "normal")
    assert net[0].weight.std().item() == pytest.approx(0.01, rel=0.05)
    assert net[2].weight.abs().max().item() < 0.06  # ~6 std of normal(0, 0.01)
    torch.testing.assert_close(net[0].bias, biases[0])
    torch.testing.assert_close(net[2].bias, biases[1])


def test_recurrent_weights_are_initialised_and_biases_kept() -> None:
    # The book's 9.7 initialises the GRU's weight matrices with Xavier too.
    torch.manual_seed(0)
    gru = nn.GRU(FAN_IN, 200, num_layers=2, bidirectional=True)
    before = {name: p.detach().clone() for name, p in gru.named_parameters()}
    init_weights(nn.Sequential(gru), "normal")
    for name, param in gru.named_parameters():
        if name.startswith("weight"):
            assert param.std().item() == pytest.approx(0.01, rel=0.05), name
        else:
            torch.testing.assert_close(param.detach(), before[name])


def test_init_returns_the_model_for_chaining() -> None:
    net = nn.Sequential(nn.Linear(2, 2))
    assert init_weights(net, "xavier_normal") is net


def test_unknown_scheme_is_a_config_error_listing_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="xavier_uniform"):
        init_weights(nn.Linear(2, 2), "glorot")
