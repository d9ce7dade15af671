"""GAN steps (d2l 0.17's update_D / update_G): which network moves, and by which gradient."""

from __future__ import annotations

import torch
from torch import nn

from d2lkit.train.gan import update_D, update_G


def _nets():
    torch.manual_seed(0)
    net_G = nn.Linear(2, 2)  # the book's basic GAN
    net_D = nn.Sequential(nn.Linear(2, 5), nn.Tanh(), nn.Linear(5, 3), nn.Tanh(), nn.Linear(3, 1))
    return net_G, net_D


def test_discriminator_step_is_sgd_on_the_mean_of_real_and_fake_losses():
    net_G, net_D = _nets()
    X, Z = torch.randn(8, 2), torch.randn(8, 2)
    loss = nn.BCEWithLogitsLoss(reduction="sum")
    D_before = [p.detach().clone() for p in net_D.parameters()]
    G_before = [p.detach().clone() for p in net_G.parameters()]
    # the expected gradient, computed by hand with torch's autograd
    real, fake = net_D(X), net_D(net_G(Z).detach())
    expected_loss = (loss(real, torch.ones_like(real)) + loss(fake, torch.zeros_like(fake))) / 2
    grads = torch.autograd.grad(expected_loss, list(net_D.parameters()))
    got = update_D(X, Z, net_D, net_G, loss, torch.optim.SGD(net_D.parameters(), lr=0.1))
    torch.testing.assert_close(got, expected_loss)
    for before, grad, after in zip(D_before, grads, net_D.parameters(), strict=True):
        torch.testing.assert_close(after, before - 0.1 * grad)
    assert all(torch.equal(b, a) for b, a in zip(G_before, net_G.parameters(), strict=True))
    assert all(p.grad is None for p in net_G.parameters())  # the fake batch was detached


def test_generator_step_moves_only_the_generator_towards_fooling_d():
    net_G, net_D = _nets()
    Z = torch.randn(8, 2)
    loss = nn.BCEWithLogitsLoss(reduction="sum")
    D_before = [p.detach().clone() for p in net_D.parameters()]
    fake = net_D(net_G(Z))
    expected_loss = loss(fake, torch.ones_like(fake))
    grads = torch.autograd.grad(expected_loss, list(net_G.parameters()))
    G_before = [p.detach().clone() for p in net_G.parameters()]
    got = update_G(Z, net_D, net_G, loss, torch.optim.SGD(net_G.parameters(), lr=0.05))
    torch.testing.assert_close(got, expected_loss)
    for before, grad, after in zip(G_before, grads, net_G.parameters(), strict=True):
        torch.testing.assert_close(after, before - 0.05 * grad)
    assert all(torch.equal(b, a) for b, a in zip(D_before, net_D.parameters(), strict=True))
    after_loss = loss(net_D(net_G(Z)), torch.ones(8, 1))
    assert after_loss < expected_loss
