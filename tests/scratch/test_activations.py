"""scratch.relu / sigmoid / tanh equal torch.relu / sigmoid / tanh, values and gradients."""

from __future__ import annotations

import pytest
import torch

from d2lkit import scratch

TOL = dict(rtol=1e-5, atol=1e-6)  # float32; tanh = 2 sigmoid(2x) - 1 loses ~1e-7 near 0
PAIRS = [(scratch.relu, torch.relu), (scratch.sigmoid, torch.sigmoid), (scratch.tanh, torch.tanh)]
IDS = ["relu", "sigmoid", "tanh"]


def _value_and_grad(fn, X: torch.Tensor, G: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    X = X.clone().requires_grad_(True)
    Y = fn(X)
    Y.backward(G)
    return Y.detach(), X.grad


@pytest.mark.parametrize(("ours", "theirs"), PAIRS, ids=IDS)
@pytest.mark.parametrize("shape", [(7,), (4, 5), (2, 3, 6)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_activation_matches_torch_in_value_and_gradient(ours, theirs, shape, seed):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(shape, generator=g) * 4  # (…), wide enough to reach the flat tails
    G = torch.randn(shape, generator=g)
    Y, dX = _value_and_grad(ours, X, G)
    Y_ref, dX_ref = _value_and_grad(theirs, X, G)
    torch.testing.assert_close(Y, Y_ref, **TOL)
    torch.testing.assert_close(dX, dX_ref, **TOL)


@pytest.mark.parametrize(("ours", "theirs"), PAIRS, ids=IDS)
def test_activation_value_and_gradient_stay_finite_and_equal_at_extreme_inputs(ours, theirs):
    X = torch.tensor(
        [-1000.0, -200.0, -100.0, -89.0, -88.0, -20.0, 0.0, 20.0, 88.0, 89.0, 100.0, 200.0, 1000.0]
    )
    Y, dX = _value_and_grad(ours, X, torch.ones_like(X))
    Y_ref, dX_ref = _value_and_grad(theirs, X, torch.ones_like(X))
    assert torch.isfinite(Y).all() and torch.isfinite(dX).all()
    torch.testing.assert_close(Y, Y_ref, **TOL)
    torch.testing.assert_close(dX, dX_ref, **TOL)


def test_relu_gradient_is_zero_at_zero_as_in_torch():
    X = torch.tensor([-1.0, 0.0, 1.0], requires_grad=True)
    scratch.relu(X).sum().backward()
    assert X.grad.tolist() == [0.0, 0.0, 1.0]


def test_sigmoid_and_tanh_saturate_at_their_limits():
    X = torch.tensor([-200.0, 200.0])
    assert scratch.sigmoid(X).tolist() == [0.0, 1.0]
    assert scratch.tanh(X).tolist() == [-1.0, 1.0]
