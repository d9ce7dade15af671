"""d2l 1.0's new framework-neutral aliases (the 0.17 ones are :mod:`d2lkit.compat.aliases`)."""

from __future__ import annotations

from typing import Any

import torch

__all__ = [
    "batch_matmul",
    "expand_dims",
    "int64",
    "ones_like",
    "repeat",
    "sigmoid",
    "swapaxes",
    "zeros_like",
]

ones_like = torch.ones_like
zeros_like = torch.zeros_like
int64 = torch.int64
sigmoid = torch.sigmoid
batch_matmul = torch.bmm


def expand_dims(x: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
    return x.unsqueeze(*args, **kwargs)


def swapaxes(x: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
    return x.swapaxes(*args, **kwargs)


def repeat(x: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
    return x.repeat(*args, **kwargs)
