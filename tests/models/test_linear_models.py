"""Linear and softmax regression (d2l 3.2-3.7): shapes, parameters, the book's initialisation."""

from __future__ import annotations

import pytest
import torch

from d2lkit.models import create_model


@pytest.mark.parametrize("name", ["linear_regression", "linear_regression_scratch"])
def test_linear_regression_maps_features_to_one_output(name: str, num_params) -> None:
    net = create_model(name)
    assert net(torch.rand(5, 2)).shape == (5, 1)
    assert num_params(net) == 2 + 1  # w (2,), b


@pytest.mark.parametrize("name", ["linear_regression", "linear_regression_scratch"])
def test_linear_regression_starts_as_the_book_sets_it(name: str) -> None:
    torch.manual_seed(0)
    net = create_model(name, num_inputs=10_000)
    weight, bias = (p.detach() for p in net.parameters())
    assert weight.std().item() == pytest.approx(0.01, rel=0.05)
    assert torch.all(bias == 0)


def test_linear_regression_weights_are_learnable_by_gradient() -> None:
    torch.manual_seed(0)
    true_w, true_b = torch.tensor([2.0, -3.4]), 4.2  # the book's synthetic data
    X = torch.randn(256, 2)
    y = (X @ true_w + true_b).reshape(-1, 1)
    net = create_model("linear_regression")
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    for _ in range(200):
        opt.zero_grad()
        torch.nn.functional.mse_loss(net(X), y).backward()
        opt.step()
    torch.testing.assert_close(net[0].weight.detach().reshape(-1), true_w, atol=1e-3, rtol=0)
    assert net[0].bias.item() == pytest.approx(true_b, abs=1e-3)


@pytest.mark.parametrize("name", ["softmax_regression", "softmax_regression_scratch"])
def test_softmax_regression_gives_logits_per_class(name: str, num_params) -> None:
    net = create_model(name)
    assert net(torch.rand(3, 1, 28, 28)).shape == (3, 10)
    assert num_params(net) == 784 * 10 + 10
