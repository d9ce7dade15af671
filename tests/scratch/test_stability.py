"""Chapter 4.8's claims as tests: vanishing sigmoid gradients, exploding products, Xavier.

Also the pieces against torch: the sigmoid's gradient against autograd on
``torch.sigmoid``, the matrix product against ``torch.linalg.multi_dot`` of
the same draws, and Xavier's draws against ``torch.nn.init``.
"""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from d2lkit import scratch

TOL = dict(rtol=1e-5, atol=1e-7)  # float32; s (1 - s) versus autograd's own formula
SEEDS = [0, 1, 2]


@pytest.mark.parametrize("seed", SEEDS)
def test_sigmoid_gradient_matches_autograd_on_torch_sigmoid(seed):
    x = torch.randn(200, generator=torch.Generator().manual_seed(seed)) * 8
    x_ref = x.clone().requires_grad_(True)
    torch.sigmoid(x_ref).backward(torch.ones_like(x_ref))  # the book's way
    torch.testing.assert_close(scratch.sigmoid_gradient(x), x_ref.grad, **TOL)


def test_sigmoid_gradient_vanishes_away_from_zero():
    x = torch.linspace(-8, 8, 161)  # step 0.1, includes 0
    grad = scratch.sigmoid_gradient(x)
    assert grad.max().item() == pytest.approx(0.25) and grad.argmax().item() == 80  # at x = 0
    assert (grad[x.abs() >= 7] < 1e-3).all()  # under 1/250 of the peak
    far = scratch.sigmoid_gradient(torch.tensor([-100.0, 100.0]))
    assert (far < 1e-40).all() and far[0] == far[1]  # symmetric, e^-100 ~ 4e-44
    right = grad[80:]
    assert (right[1:] < right[:-1]).all()  # strictly decreasing in |x|


@pytest.mark.parametrize("seed", SEEDS)
def test_product_of_100_gaussian_4x4_matrices_explodes(seed):
    M = scratch.random_matrix_product(100, 4, generator=torch.Generator().manual_seed(seed))
    assert M.shape == (4, 4)
    assert torch.isfinite(M).all()
    # ~exp(0.56 * 100) ~ 1e24 on average; 1e10 leaves a margin of many standard deviations
    assert M.abs().max().item() > 1e10


@pytest.mark.parametrize(("n", "size"), [(2, 3), (10, 4), (100, 4)])
@pytest.mark.parametrize("seed", SEEDS)
def test_random_matrix_product_equals_multi_dot_of_the_same_draws(n, size, seed):
    M = scratch.random_matrix_product(
        n, size, torch.Generator().manual_seed(seed), dtype=torch.float64
    )
    g = torch.Generator().manual_seed(seed)
    mats = [torch.randn(size, size, generator=g, dtype=torch.float64) for _ in range(n)]
    ref = mats[0] if n == 1 else torch.linalg.multi_dot(mats)
    torch.testing.assert_close(M, ref, rtol=1e-9, atol=0.0)  # float64, other association order


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (scratch.xavier_uniform, nn.init.xavier_uniform_),
        (scratch.xavier_normal, nn.init.xavier_normal_),
    ],
)
@pytest.mark.parametrize(("fan_in", "fan_out"), [(256, 256), (784, 10), (3, 50)])
def test_xavier_draws_equal_torch_init_with_the_same_generator(ours, theirs, fan_in, fan_out):
    W = ours(fan_in, fan_out, torch.Generator().manual_seed(0))  # (in, out)
    # torch's fans are symmetric in the two dimensions, so shape (in, out) gives the same bound
    W_ref = theirs(torch.empty(fan_in, fan_out), generator=torch.Generator().manual_seed(0))
    assert torch.equal(W, W_ref)
    assert W.var().item() == pytest.approx(2 / (fan_in + fan_out), rel=0.2)


@pytest.mark.parametrize("init", ["xavier_normal", "xavier_uniform"])
@pytest.mark.parametrize("seed", SEEDS)
def test_xavier_keeps_activation_variance_within_factor_2_across_10_layers(init, seed):
    var = scratch.activation_variance_by_layer(
        init, depth=10, width=256, generator=torch.Generator().manual_seed(seed)
    )
    assert var.shape == (11,)  # the input, then 10 layers
    assert (var.max() / var.min()).item() < 2.0
    assert (var[1:] / var[0]).min().item() > 0.5 and (var[1:] / var[0]).max().item() < 2.0


@pytest.mark.parametrize("seed", SEEDS)
def test_normal_init_makes_activation_variance_explode_across_10_layers(seed):
    var = scratch.activation_variance_by_layer(
        "normal", depth=10, width=256, generator=torch.Generator().manual_seed(seed)
    )
    assert (var.max() / var.min()).item() > 2.0
    assert (var[-1] / var[0]).item() > 256**10 / 100  # x width per layer, give or take
    growth = var[1:] / var[:-1]
    assert (growth > 128).all()  # every layer multiplies it by about the width


def test_activation_variance_accepts_an_init_function_and_an_activation():
    def tiny(fan_in, fan_out, generator):
        return torch.randn(fan_in, fan_out, generator=generator) * 0.01

    var = scratch.activation_variance_by_layer(
        tiny, depth=5, width=64, activation=torch.tanh, generator=torch.Generator().manual_seed(0)
    )
    assert var.shape == (6,)
    assert (var[1:] < var[:-1]).all()  # width * 1e-4 < 1: it vanishes instead
    assert math.isfinite(var[-1].item())
