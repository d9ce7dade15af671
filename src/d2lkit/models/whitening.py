"""Patch-whitening initialisation of a network's first convolution (the airbench idea).

The first layer's filters are set, before training, to the principal directions
of the training images' patches, each scaled by ``1 / sqrt(variance + eps)`` and
used twice, with both signs, and then frozen. The network starts from features
that decorrelate the pixels instead of learning them, which is what lets
``fashion-fast`` reach 0.90 in one epoch (docs/benchmarks.md, "Time to accuracy").
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from d2lkit.errors import ConfigError

__all__ = ["first_conv", "whiten_first_conv"]


def first_conv(model: nn.Module) -> nn.Conv2d:
    """The first ``nn.Conv2d`` of ``model`` in module order."""
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            return module
    raise ConfigError(
        f"{type(model).__name__} has no nn.Conv2d to whiten",
        fix="whiten only convolutional networks (leave model.whiten off)",
    )


def _patches(conv: nn.Conv2d, images: torch.Tensor, max_patches: int, seed: int) -> torch.Tensor:
    """Up to ``max_patches`` of the patches ``conv`` sees, as rows (N, C * kh * kw), float64."""
    rows = F.unfold(
        images.float(),
        conv.kernel_size,
        dilation=conv.dilation,
        padding=conv.padding,  # type: ignore[arg-type]  # a str padding is refused below
        stride=conv.stride,
    )  # (B, C*kh*kw, L)
    rows = rows.transpose(1, 2).reshape(-1, rows.shape[1])
    if len(rows) > max_patches:
        pick = torch.randperm(len(rows), generator=torch.Generator().manual_seed(seed))
        rows = rows[pick[:max_patches]]
    return rows.double()


def whiten_first_conv(
    model: nn.Module,
    images: torch.Tensor,
    *,
    eps: float = 1e-2,
    freeze: bool = True,
    max_patches: int = 200_000,
    seed: int = 0,
) -> nn.Conv2d:
    """Set the first convolution's filters to the whitening of ``images``' patches, in place.

    Args:
        model: a network whose first ``nn.Conv2d`` has an even number ``2n`` of
            output channels, ``n`` at most its patch size (C * kh * kw), one group
            and numeric padding.
        images: (B, C, H, W) float images as the model sees them (no augmentation).
        eps: added to each variance before the square root (keeps flat directions
            from being blown up).
        freeze: stop the filters (and a bias, set to zero) from training.
        max_patches, seed: how many patches estimate the covariance, drawn with
            their own generator (the global random state is left alone).

    Returns:
        The convolution: filters ``k`` and ``n + k`` are the ``k``-th principal
        direction (largest variance first) and its negative.
    """
    conv = first_conv(model)
    size = conv.in_channels * conv.kernel_size[0] * conv.kernel_size[1]
    n = conv.out_channels // 2
    if conv.groups != 1 or isinstance(conv.padding, str):
        raise ConfigError(
            f"the first convolution ({conv}) has groups or string padding: it cannot be whitened",
            fix="whiten a plain convolution with numeric padding",
        )
    if conv.out_channels % 2 or not 1 <= n <= size:
        raise ConfigError(
            f"the first convolution has {conv.out_channels} output channels; whitening needs an "
            f"even number, at most twice its patch size {size}",
            fix=f"give the first layer an even width between 2 and {2 * size}",
        )
    if images.dim() != 4 or images.shape[1] != conv.in_channels:
        raise ConfigError(
            f"whitening needs images (B, {conv.in_channels}, H, W), got {tuple(images.shape)}",
            fix="pass the training images as the model sees them",
        )
    rows = _patches(conv, images.to(conv.weight.device), max_patches, seed)
    variances, directions = torch.linalg.eigh(torch.cov(rows.T))  # ascending
    variances, directions = variances.flip(0)[:n], directions.flip(1)[:, :n]
    filters = (directions / (variances.clamp(min=0) + eps).sqrt()).T  # (n, C*kh*kw)
    filters = filters.reshape(n, *conv.weight.shape[1:]).to(conv.weight.dtype)
    with torch.no_grad():
        conv.weight.copy_(torch.cat([filters, -filters]))
        if conv.bias is not None:
            conv.bias.zero_()
    if freeze:
        conv.weight.requires_grad_(False)
        if conv.bias is not None:
            conv.bias.requires_grad_(False)
    return conv
