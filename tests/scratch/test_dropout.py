"""scratch.dropout_layer follows F.dropout's law: Bernoulli(1 - p) mask, scale 1 / (1 - p).

Masks cannot equal torch's bit for bit (torch draws with ``bernoulli_``, the
scratch version compares ``rand`` with p), so these tests check the law on
seeded, hence deterministic, draws: what is kept, by how much it is scaled,
the gradient, evaluation and the edge cases p = 0 and p = 1.
"""

from __future__ import annotations

import pytest
import torch
from torch.nn import functional as F

from d2lkit import scratch

TOL = dict(rtol=1e-6, atol=0.0)  # float32; survivors are x * (1 / (1 - p)), one rounding
FRACTION_TOL = 0.01  # 100k Bernoulli draws: the kept fraction's std is at most 0.0016
N = (1000, 100)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_dropout_keeps_expected_fraction_and_scales_survivors(p, seed):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(N, generator=g) + 3  # no zeros, so a zero output means dropped
    Y = scratch.dropout_layer(X, p, generator=g)
    kept = Y != 0
    assert abs(kept.float().mean().item() - (1 - p)) < FRACTION_TOL
    torch.testing.assert_close(Y[kept], X[kept] / (1 - p), **TOL)
    # torch's dropout keeps the same fraction under the same law
    with torch.random.fork_rng():
        torch.manual_seed(seed)  # F.dropout draws from the global generator
        Y_ref = F.dropout(X, p, training=True)
    assert abs((Y_ref != 0).float().mean().item() - (1 - p)) < FRACTION_TOL


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_dropout_output_is_unbiased(p):
    X = torch.ones(N)
    Y = scratch.dropout_layer(X, p, generator=torch.Generator().manual_seed(0))
    assert abs(Y.mean().item() - 1.0) < 0.02  # E[Y] = X; std of the mean ~0.003 at p = 0.5


@pytest.mark.parametrize("p", [0.3, 0.7])
def test_dropout_gradient_is_mask_over_keep_probability_as_in_torch(p):
    g = torch.Generator().manual_seed(1)
    X = (torch.rand(50, 40, generator=g) + 0.5).requires_grad_(True)
    Y = scratch.dropout_layer(X, p, generator=g)
    Y.sum().backward()
    expected = (Y.detach() != 0).float() / (1 - p)
    torch.testing.assert_close(X.grad, expected, **TOL)
    # torch's gradient has the same form: its mask, scaled
    X_ref = X.detach().clone().requires_grad_(True)
    with torch.random.fork_rng():
        torch.manual_seed(1)
        Y_ref = F.dropout(X_ref, p, training=True)
    Y_ref.sum().backward()
    torch.testing.assert_close(X_ref.grad, (Y_ref.detach() != 0).float() / (1 - p), **TOL)


def test_dropout_same_generator_seed_gives_same_mask():
    X = torch.ones(20, 30)
    a = scratch.dropout_layer(X, 0.5, generator=torch.Generator().manual_seed(7))
    b = scratch.dropout_layer(X, 0.5, generator=torch.Generator().manual_seed(7))
    c = scratch.dropout_layer(X, 0.5, generator=torch.Generator().manual_seed(8))
    assert torch.equal(a, b) and not torch.equal(a, c)


@pytest.mark.parametrize("p", [0.0, 0.5, 1.0])
def test_dropout_is_identity_in_evaluation_like_torch(p):
    X = torch.randn(6, 7)
    assert torch.equal(scratch.dropout_layer(X, p, training=False), X)
    assert torch.equal(F.dropout(X, p, training=False), X)
    layer = scratch.Dropout(p).eval()
    assert torch.equal(layer(X), X)


def test_dropout_with_p_zero_keeps_everything():
    X = torch.randn(100, 100)
    assert torch.equal(scratch.dropout_layer(X, 0.0), X)


def test_dropout_with_p_one_gives_zeros_and_zero_gradient_like_torch():
    X = torch.randn(10, 10, requires_grad=True)
    Y = scratch.dropout_layer(X, 1.0)
    Y.sum().backward()
    assert torch.equal(Y, torch.zeros_like(Y))
    assert torch.equal(X.grad, torch.zeros_like(X))
    assert torch.equal(F.dropout(X.detach(), 1.0, training=True), torch.zeros_like(Y))


def test_dropout_module_is_active_only_in_training():
    layer = scratch.Dropout(0.5)
    X = torch.ones(200, 50)
    with torch.random.fork_rng():
        torch.manual_seed(0)  # the layer draws from the global generator, as nn.Dropout
        assert layer.training and (layer(X) == 0).any()
    layer.eval()
    assert torch.equal(layer(X), X)


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_dropout_rejects_probabilities_outside_0_1(p):
    with pytest.raises(ValueError, match="dropout"):
        scratch.dropout_layer(torch.ones(3), p)
    with pytest.raises(ValueError, match="p must be"):
        scratch.Dropout(p)
