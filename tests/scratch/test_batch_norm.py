"""scratch.BatchNorm equals nn.BatchNorm1d / 2d: outputs, gradients, running statistics, eval.

Scratch names: ``gamma`` / ``beta`` (torch's ``weight`` / ``bias``) and
buffers ``moving_mean`` / ``moving_var`` (torch's ``running_mean`` /
``running_var``), shaped (1, F) or (1, C, 1, 1) rather than (F,) or (C,).
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from d2lkit import scratch

TOL = dict(rtol=1e-4, atol=1e-5)  # float32; batch moments summed in a different order
STEPS = 4
CASES = [  # (input shape, num_dims): 2-D after a dense layer, 4-D after a convolution
    ((8, 5), 2),
    ((32, 3), 2),
    ((4, 3, 5, 5), 4),
    ((2, 6, 4, 3), 4),
]


def _pair(shape: tuple[int, ...], num_dims: int, seed: int) -> tuple[scratch.BatchNorm, nn.Module]:
    """A scratch and a torch batch norm with the same random scale and shift."""
    g = torch.Generator().manual_seed(seed)
    n = shape[1]
    ours = scratch.BatchNorm(n, num_dims=num_dims, momentum=0.1)
    theirs = (nn.BatchNorm1d if num_dims == 2 else nn.BatchNorm2d)(n, eps=1e-5, momentum=0.1)
    gamma, beta = torch.randn(n, generator=g) + 1, torch.randn(n, generator=g)
    with torch.no_grad():
        ours.gamma.copy_(gamma.reshape(ours.gamma.shape))
        ours.beta.copy_(beta.reshape(ours.beta.shape))
        theirs.weight.copy_(gamma)
        theirs.bias.copy_(beta)
    return ours, theirs


@pytest.mark.parametrize(("shape", "num_dims"), CASES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_batch_norm_matches_torch_in_training_running_statistics_and_eval(shape, num_dims, seed):
    ours, theirs = _pair(shape, num_dims, seed)
    g = torch.Generator().manual_seed(100 + seed)
    for _ in range(STEPS):  # training: batch statistics, moving averages updated
        X = torch.randn(shape, generator=g) * 2 + 0.5
        G = torch.randn(shape, generator=g)
        X_ours = X.clone().requires_grad_(True)
        X_theirs = X.clone().requires_grad_(True)
        Y, Y_ref = ours(X_ours), theirs(X_theirs)
        Y.backward(G)
        Y_ref.backward(G)
        torch.testing.assert_close(Y, Y_ref, **TOL)
        torch.testing.assert_close(X_ours.grad, X_theirs.grad, **TOL)
    torch.testing.assert_close(ours.gamma.grad.flatten(), theirs.weight.grad, **TOL)
    torch.testing.assert_close(ours.beta.grad.flatten(), theirs.bias.grad, **TOL)
    torch.testing.assert_close(ours.moving_mean.flatten(), theirs.running_mean, **TOL)
    torch.testing.assert_close(ours.moving_var.flatten(), theirs.running_var, **TOL)

    ours.eval()
    theirs.eval()
    X = torch.randn(shape, generator=g)
    torch.testing.assert_close(ours(X), theirs(X), **TOL)  # evaluation: moving statistics


def test_batch_norm_training_output_is_standardised_per_feature():
    ours, _ = _pair((64, 4), 2, seed=0)
    with torch.no_grad():
        ours.gamma.fill_(1.0)
        ours.beta.fill_(0.0)
    Y = ours(torch.randn(64, 4) * 5 + 3)
    torch.testing.assert_close(Y.mean(dim=0), torch.zeros(4), rtol=0, atol=1e-5)
    torch.testing.assert_close(Y.var(dim=0, unbiased=False), torch.ones(4), rtol=0, atol=1e-3)


def test_batch_norm_eval_does_not_touch_the_moving_statistics():
    ours, _ = _pair((4, 3, 5, 5), 4, seed=0)
    ours.eval()
    before = (ours.moving_mean.clone(), ours.moving_var.clone())
    ours(torch.randn(4, 3, 5, 5) + 10)
    assert torch.equal(ours.moving_mean, before[0]) and torch.equal(ours.moving_var, before[1])


def test_batch_norm_under_no_grad_still_uses_batch_statistics_while_training():
    ours, theirs = _pair((16, 5), 2, seed=3)
    X = torch.randn(16, 5) * 3
    with torch.no_grad():
        torch.testing.assert_close(ours(X), theirs(X), **TOL)


def test_batch_norm_rejects_other_ranks():
    with pytest.raises(ValueError, match="num_dims"):
        scratch.BatchNorm(3, num_dims=3)
    with pytest.raises(ValueError, match="2-D"):
        scratch.batch_norm(
            torch.zeros(2, 3, 4),
            torch.ones(1, 3, 1),
            torch.zeros(1, 3, 1),
            torch.zeros(1, 3, 1),
            torch.ones(1, 3, 1),
            training=True,
        )
