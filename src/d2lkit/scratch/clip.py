"""Gradient clipping by global norm from scratch (d2l 8.5).

Torch counterpart: ``torch.nn.utils.clip_grad_norm_``.

The book's rule, g <- min(1, theta / ||g||) g with ||g|| the norm of all
gradients taken together. Torch divides by ``||g|| + 1e-6`` instead of
``||g||``, so clipped gradients agree to a relative 1e-6 / ||g||, not bit
for bit; like torch, this returns the norm before clipping.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn

__all__ = ["grad_clipping"]


@torch.no_grad()
def grad_clipping(net: nn.Module | Iterable[torch.Tensor], theta: float) -> torch.Tensor:
    """Rescale all gradients together so their global L2 norm is at most ``theta``.

    Scaling them together keeps the update's direction; only its length is
    capped, which stops one exploding step of an RNN from wrecking training.

    Args:
        net: a module (its trainable parameters) or an iterable of parameters.
        theta: the largest global norm allowed.

    Returns:
        The global norm of the gradients before clipping, a 0-d tensor.
    """
    params = [p for p in net.parameters() if p.requires_grad] if isinstance(net, nn.Module) else net
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    norm = torch.sqrt(sum((torch.sum(g**2) for g in grads), torch.tensor(0.0)))
    if norm > theta:
        for g in grads:
            g.mul_(theta / norm)
    return norm
