"""Multilayer perceptrons (d2l 4.2-4.6): hidden sizes, activation, dropout per layer."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from d2lkit.errors import ConfigError
from d2lkit.models import create_model


def test_hidden_sizes_give_layers_and_parameters(num_params) -> None:
    net = create_model("mlp", hidden=(256, 128))
    assert net(torch.rand(4, 1, 28, 28)).shape == (4, 10)
    assert num_params(net) == (784 * 256 + 256) + (256 * 128 + 128) + (128 * 10 + 10)


def test_dropout_per_layer_as_in_the_book() -> None:
    net = create_model("mlp", hidden=(256, 256), dropout=(0.2, 0.5))
    assert [m.p for m in net if isinstance(m, nn.Dropout)] == [0.2, 0.5]


def test_one_dropout_rate_applies_to_every_hidden_layer() -> None:
    net = create_model("mlp", hidden=(8, 8, 8), dropout=0.1)
    assert [m.p for m in net if isinstance(m, nn.Dropout)] == [0.1, 0.1, 0.1]


@pytest.mark.parametrize(
    ("activation", "cls"),
    [("relu", nn.ReLU), ("sigmoid", nn.Sigmoid), ("tanh", nn.Tanh), ("gelu", nn.GELU)],
)
def test_activation_by_name(activation: str, cls: type) -> None:
    net = create_model("mlp", hidden=(8, 8), activation=activation)
    assert sum(isinstance(m, cls) for m in net) == 2


def test_bad_settings_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="activation"):
        create_model("mlp", activation="swish!")
    with pytest.raises(ConfigError, match="dropout rates"):
        create_model("mlp", hidden=(8, 8), dropout=(0.1,))


def test_scratch_mlp_has_the_book_sizes(num_params) -> None:
    net = create_model("mlp_scratch")
    assert net(torch.rand(2, 1, 28, 28)).shape == (2, 10)
    assert num_params(net) == 784 * 256 + 256 + 256 * 10 + 10
