"""scratch.grad_clipping equals torch.nn.utils.clip_grad_norm_ (global L2 norm).

Torch scales by ``max_norm / (norm + 1e-6)``, the book by ``theta / norm``:
clipped gradients differ by a relative 1e-6 / norm, well inside the tolerance.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from d2lkit import scratch

TOL = dict(rtol=1e-5, atol=1e-7)  # float32; torch's +1e-6 on a norm >= 1 moves values by <= 1e-6


def _params_with_grads(shapes, seed: int, scale: float) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    params = []
    for shape in shapes:
        p = torch.randn(shape, generator=g).requires_grad_(True)
        p.grad = torch.randn(shape, generator=g) * scale
        params.append(p)
    return params


def _clone(params: list[torch.Tensor]) -> list[torch.Tensor]:
    out = []
    for p in params:
        q = p.detach().clone().requires_grad_(True)
        q.grad = p.grad.clone()
        out.append(q)
    return out


@pytest.mark.parametrize("shapes", [[(5,)], [(3, 4), (4,)], [(2, 3, 4), (10,), (1,)]])
@pytest.mark.parametrize("theta", [0.1, 1.0])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_grad_clipping_rescales_to_theta_like_clip_grad_norm(shapes, theta, seed):
    ours = _params_with_grads(shapes, seed, scale=10.0)  # norm well above theta
    theirs = _clone(ours)
    norm = scratch.grad_clipping(ours, theta)
    norm_ref = nn.utils.clip_grad_norm_(theirs, theta)
    torch.testing.assert_close(norm, norm_ref, **TOL)
    for a, b in zip(ours, theirs, strict=True):
        torch.testing.assert_close(a.grad, b.grad, **TOL)
    total = torch.sqrt(sum((p.grad**2).sum() for p in ours))
    torch.testing.assert_close(total, torch.tensor(theta), **TOL)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_grad_clipping_leaves_small_gradients_unchanged(seed):
    ours = _params_with_grads([(3, 4), (4,)], seed, scale=0.01)
    before = [p.grad.clone() for p in ours]
    norm = scratch.grad_clipping(ours, theta=10.0)
    assert norm < 10.0
    for p, g in zip(ours, before, strict=True):
        assert torch.equal(p.grad, g)


def test_grad_clipping_takes_a_module_and_skips_frozen_or_gradless_parameters():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
    net[2].bias.requires_grad_(False)
    (net(torch.randn(16, 4)) * 100).sum().backward()
    theirs = _clone([p for p in net.parameters() if p.requires_grad])
    norm = scratch.grad_clipping(net, 1.0)
    norm_ref = nn.utils.clip_grad_norm_(theirs, 1.0)
    torch.testing.assert_close(norm, norm_ref, **TOL)
    for a, b in zip([p for p in net.parameters() if p.requires_grad], theirs, strict=True):
        torch.testing.assert_close(a.grad, b.grad, **TOL)
    assert net[2].bias.grad is None
