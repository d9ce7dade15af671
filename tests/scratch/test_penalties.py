"""scratch.l2_penalty / l1_penalty equal torch's norms; the L2 penalty is SGD's weight decay."""

from __future__ import annotations

import pytest
import torch

from d2lkit import scratch

TOL = dict(rtol=1e-5, atol=1e-6)  # float32; sums in a different order than vector_norm
SHAPES = [(5,), (20, 1), (3, 4, 5)]
SEEDS = [0, 1, 2]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("seed", SEEDS)
def test_l2_penalty_is_half_squared_norm_with_gradient_w(shape, seed):
    w = torch.randn(shape, generator=torch.Generator().manual_seed(seed)).requires_grad_(True)
    w_ref = w.detach().clone().requires_grad_(True)
    penalty = scratch.l2_penalty(w)
    penalty_ref = torch.linalg.vector_norm(w_ref) ** 2 / 2
    penalty.backward()
    penalty_ref.backward()
    torch.testing.assert_close(penalty, penalty_ref, **TOL)
    torch.testing.assert_close(w.grad, w_ref.grad, **TOL)
    torch.testing.assert_close(w.grad, w.detach(), **TOL)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("seed", SEEDS)
def test_l1_penalty_is_l1_norm_with_gradient_sign_w(shape, seed):
    w = torch.randn(shape, generator=torch.Generator().manual_seed(seed)).requires_grad_(True)
    w_ref = w.detach().clone().requires_grad_(True)
    penalty = scratch.l1_penalty(w)
    penalty_ref = torch.linalg.vector_norm(w_ref, ord=1)
    penalty.backward()
    penalty_ref.backward()
    torch.testing.assert_close(penalty, penalty_ref, **TOL)
    torch.testing.assert_close(w.grad, w_ref.grad, **TOL)
    torch.testing.assert_close(w.grad, torch.sign(w.detach()), **TOL)


@pytest.mark.parametrize("lambd", [0.0, 0.1, 3.0])
@pytest.mark.parametrize("seed", SEEDS)
def test_l2_penalty_in_the_loss_equals_torch_sgd_weight_decay(lambd, seed):
    g = torch.Generator().manual_seed(seed)
    X, y = torch.randn(16, 5, generator=g), torch.randn(16, 1, generator=g)
    w0 = torch.randn(5, 1, generator=g)
    w = w0.clone().requires_grad_(True)
    w_ref = w0.clone().requires_grad_(True)
    opt = torch.optim.SGD([w], lr=0.05)
    opt_ref = torch.optim.SGD([w_ref], lr=0.05, weight_decay=lambd)
    for _ in range(5):
        opt.zero_grad()
        (scratch.squared_loss(X @ w, y).mean() + lambd * scratch.l2_penalty(w)).backward()
        opt.step()
        opt_ref.zero_grad()
        scratch.squared_loss(X @ w_ref, y).mean().backward()
        opt_ref.step()
    torch.testing.assert_close(w, w_ref, **TOL)
