"""scratch.softmax / log_softmax / cross_entropy equal torch's, also for huge logits."""

from __future__ import annotations

import pytest
import torch
from torch.nn import functional as F

from d2lkit import scratch

TOL = dict(rtol=1e-5, atol=1e-6)  # float32; same max-shift trick, different reduction order
SEEDS = [0, 1, 2]


def _value_and_grad(fn, X: torch.Tensor, G: torch.Tensor | None = None):
    X = X.clone().requires_grad_(True)
    Y = fn(X)
    Y.backward(torch.ones_like(Y) if G is None else G)
    return Y.detach(), X.grad


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize(("shape", "dim"), [((5, 10), -1), ((3, 4, 6), 1), ((8,), 0)])
@pytest.mark.parametrize("seed", SEEDS)
def test_softmax_family_matches_torch_in_value_and_gradient(name, shape, dim, seed):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(shape, generator=g) * 3
    G = torch.randn(shape, generator=g)
    ours = getattr(scratch, name)
    theirs = getattr(torch, name)
    Y, dX = _value_and_grad(lambda t: ours(t, dim=dim), X, G)
    Y_ref, dX_ref = _value_and_grad(lambda t: theirs(t, dim=dim), X, G)
    torch.testing.assert_close(Y, Y_ref, **TOL)
    torch.testing.assert_close(dX, dX_ref, **TOL)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(("batch", "classes"), [(1, 2), (16, 10), (7, 33)])
@pytest.mark.parametrize("seed", SEEDS)
def test_cross_entropy_matches_torch_in_value_and_gradient(reduction, batch, classes, seed):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(batch, classes, generator=g) * 3
    y = torch.randint(classes, (batch,), generator=g)
    loss, dlogits = _value_and_grad(lambda t: scratch.cross_entropy(t, y, reduction), logits)
    loss_ref, dlogits_ref = _value_and_grad(
        lambda t: F.cross_entropy(t, y, reduction=reduction), logits
    )
    torch.testing.assert_close(loss, loss_ref, **TOL)
    torch.testing.assert_close(dlogits, dlogits_ref, **TOL)


def test_softmax_and_cross_entropy_do_not_overflow_on_logits_of_1000():
    logits = torch.tensor([[1000.0, 0.0, -1000.0], [1000.0, 1000.0, 999.0], [-1000.0, 0.0, 0.0]])
    y = torch.tensor([2, 0, 1])
    P = scratch.softmax(logits)
    assert torch.isfinite(P).all()
    torch.testing.assert_close(P, torch.softmax(logits, dim=-1), **TOL)
    loss, dlogits = _value_and_grad(lambda t: scratch.cross_entropy(t, y), logits)
    loss_ref, dlogits_ref = _value_and_grad(lambda t: F.cross_entropy(t, y), logits)
    assert torch.isfinite(loss) and torch.isfinite(dlogits).all()
    torch.testing.assert_close(loss, loss_ref, **TOL)  # about 2000 / 3: a confident wrong guess
    torch.testing.assert_close(dlogits, dlogits_ref, **TOL)


def test_softmax_rows_are_probabilities():
    P = scratch.softmax(torch.randn(4, 9, generator=torch.Generator().manual_seed(0)))
    assert (P >= 0).all()
    torch.testing.assert_close(P.sum(dim=1), torch.ones(4), **TOL)


def test_cross_entropy_rejects_an_unknown_reduction():
    with pytest.raises(ValueError, match="reduction"):
        scratch.cross_entropy(torch.zeros(2, 3), torch.tensor([0, 1]), reduction="max")
