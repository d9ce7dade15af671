"""One step for each side of a GAN (d2l 0.17's ``update_D`` / ``update_G``, its GAN chapter).

Plain functions over any two networks: the discriminator ``net_D`` scores
samples (a logit each) and the generator ``net_G`` maps noise ``Z`` to samples.
``loss`` is a binary cross-entropy on logits (the book's
``nn.BCEWithLogitsLoss(reduction='sum')``).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

__all__ = ["update_D", "update_G"]

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def update_D(
    X: torch.Tensor,
    Z: torch.Tensor,
    net_D: nn.Module,
    net_G: nn.Module,
    loss: LossFn,
    trainer_D: torch.optim.Optimizer,
) -> torch.Tensor:
    """One step of the discriminator: real ``X`` labelled 1, ``net_G(Z)`` labelled 0.

    The generated batch is detached, so no gradient reaches ``net_G``. Returns
    the mean of the two losses.
    """
    ones = torch.ones(X.shape[0], device=X.device)
    zeros = torch.zeros(X.shape[0], device=X.device)
    trainer_D.zero_grad()
    real_Y = net_D(X)
    fake_Y = net_D(net_G(Z).detach())
    loss_D = (
        loss(real_Y, ones.reshape(real_Y.shape)) + loss(fake_Y, zeros.reshape(fake_Y.shape))
    ) / 2
    loss_D.backward()
    trainer_D.step()
    return loss_D


def update_G(
    Z: torch.Tensor,
    net_D: nn.Module,
    net_G: nn.Module,
    loss: LossFn,
    trainer_G: torch.optim.Optimizer,
) -> torch.Tensor:
    """One step of the generator: its samples scored by the (just updated) ``net_D``, label 1.

    Gradients flow through ``net_D`` into ``net_G``; only ``trainer_G`` steps.
    """
    ones = torch.ones(Z.shape[0], device=Z.device)
    trainer_G.zero_grad()
    fake_Y = net_D(net_G(Z))
    loss_G = loss(fake_Y, ones.reshape(fake_Y.shape))
    loss_G.backward()
    trainer_G.step()
    return loss_G
