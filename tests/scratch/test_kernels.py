"""scratch.rbf_kernel equals the kernel written with torch.cdist, values and gradients."""

from __future__ import annotations

import math

import pytest
import torch

from d2lkit import scratch

TOL = dict(rtol=1e-6, atol=1e-9)  # float64


def _reference(a: torch.Tensor, b: torch.Tensor, lengthscale: float) -> torch.Tensor:
    a, b = (a[:, None] if a.dim() == 1 else a), (b[:, None] if b.dim() == 1 else b)
    return torch.exp(-(torch.cdist(a, b) ** 2) / (2 * lengthscale**2))


@pytest.mark.parametrize("shape", [(7,), (7, 3)])
@pytest.mark.parametrize("lengthscale", [0.2, 1.0, 4.0])
def test_rbf_kernel_equals_the_cdist_kernel_with_its_gradient(shape, lengthscale):
    g = torch.Generator().manual_seed(0)
    x1 = torch.randn(shape, generator=g, dtype=torch.float64, requires_grad=True)
    x2 = torch.randn((5, *shape[1:]), generator=g, dtype=torch.float64)
    ref_x1 = x1.detach().clone().requires_grad_(True)
    got, want = scratch.rbf_kernel(x1, x2, lengthscale), _reference(ref_x1, x2, lengthscale)
    torch.testing.assert_close(got, want, **TOL)
    weights = torch.randn(got.shape, generator=g, dtype=torch.float64)
    (got * weights).sum().backward()
    (want * weights).sum().backward()
    torch.testing.assert_close(x1.grad, ref_x1.grad, **TOL)


def test_a_point_covaries_fully_with_itself_and_hand_worked_values():
    x = torch.tensor([0.0, 1.0, 3.0], dtype=torch.float64)
    k = scratch.rbf_kernel(x, x, lengthscale=2.0)
    assert torch.equal(k.diagonal(), torch.ones(3, dtype=torch.float64))  # clamped at 0: exact
    assert k[0, 1].item() == pytest.approx(math.exp(-1 / 8))  # |0 - 1|^2 / (2 * 2^2)
    assert k[0, 2].item() == pytest.approx(math.exp(-9 / 8))
    torch.testing.assert_close(k, k.T)
    assert torch.linalg.eigvalsh(k).min() > 0  # a covariance matrix
