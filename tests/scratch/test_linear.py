"""scratch.linreg / squared_loss equal F.linear and F.mse_loss / 2, values and gradients."""

from __future__ import annotations

import pytest
import torch
from torch.nn import functional as F

from d2lkit import scratch

TOL = dict(rtol=1e-5, atol=1e-6)  # float32; same products, possibly a different summation order


@pytest.mark.parametrize(("batch", "d", "q"), [(1, 2, 1), (10, 2, 1), (32, 7, 3)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_linreg_matches_torch_linear_in_value_and_gradient(batch, d, q, seed):
    g = torch.Generator().manual_seed(seed)
    X, w, b = (
        torch.randn(batch, d, generator=g),
        torch.randn(d, q, generator=g),
        torch.randn(q, generator=g),
    )
    G = torch.randn(batch, q, generator=g)
    ours = [t.clone().requires_grad_(True) for t in (X, w, b)]
    theirs = [t.clone().requires_grad_(True) for t in (X, w, b)]
    Y = scratch.linreg(*ours)
    Y_ref = F.linear(theirs[0], theirs[1].T, theirs[2])  # nn.Linear stores w as (q, d)
    Y.backward(G)
    Y_ref.backward(G)
    torch.testing.assert_close(Y, Y_ref, **TOL)
    for a, r in zip(ours, theirs, strict=True):
        torch.testing.assert_close(a.grad, r.grad, **TOL)


@pytest.mark.parametrize("batch", [1, 10, 64])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_squared_loss_is_half_the_unreduced_mse_and_reshapes_labels(batch, seed):
    g = torch.Generator().manual_seed(seed)
    y_hat = torch.randn(batch, 1, generator=g)
    y = torch.randn(batch, generator=g)  # (B,): the book's labels, not (B, 1)
    a = y_hat.clone().requires_grad_(True)
    r = y_hat.clone().requires_grad_(True)
    loss = scratch.squared_loss(a, y)
    loss_ref = F.mse_loss(r, y.reshape(-1, 1), reduction="none") / 2
    assert loss.shape == (batch, 1)  # no broadcasting to (B, B)
    loss.sum().backward()
    loss_ref.sum().backward()
    torch.testing.assert_close(loss, loss_ref, **TOL)
    torch.testing.assert_close(a.grad, r.grad, **TOL)  # = y_hat - y
    torch.testing.assert_close(a.grad, y_hat - y.reshape(-1, 1), **TOL)
