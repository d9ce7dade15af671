"""The book's framework-neutral aliases (``d2l.tensor``, ``d2l.reshape`` ...).

One line each, as in the book, with two modern-stack changes:
``tensor`` also accepts what pandas >= 2 hands the book's cells (object or
bool arrays from ``get_dummies``; DataFrames), and ``meshgrid`` defaults to
``indexing='ij'`` (torch's old default) so it does not warn.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

__all__ = [
    "abs",
    "arange",
    "argmax",
    "astype",
    "concat",
    "cos",
    "cosh",
    "exp",
    "eye",
    "float32",
    "int32",
    "linspace",
    "log",
    "matmul",
    "meshgrid",
    "nn_Module",
    "normal",
    "numpy",
    "ones",
    "rand",
    "randn",
    "reduce_mean",
    "reduce_sum",
    "reshape",
    "sin",
    "sinh",
    "size",
    "stack",
    "tanh",
    "tensor",
    "to",
    "transpose",
    "zeros",
]

nn_Module = nn.Module
ones = torch.ones
zeros = torch.zeros
arange = torch.arange
sin = torch.sin
sinh = torch.sinh
cos = torch.cos
cosh = torch.cosh
tanh = torch.tanh
linspace = torch.linspace
exp = torch.exp
log = torch.log
normal = torch.normal
rand = torch.rand
randn = torch.randn
matmul = torch.matmul
int32 = torch.int32
float32 = torch.float32
concat = torch.cat
stack = torch.stack
abs = torch.abs
eye = torch.eye


def _numeric(data: Any) -> Any:
    """pandas objects and object/bool arrays as float arrays; anything else unchanged."""
    if hasattr(data, "to_numpy") and hasattr(data, "dtypes"):  # DataFrame / Series
        data = data.to_numpy()
    if isinstance(data, np.ndarray) and data.dtype == object:
        return data.astype(np.float64)  # get_dummies' bool columns beside floats (pandas >= 2)
    return data


def tensor(data: Any, *args: Any, **kwargs: Any) -> torch.Tensor:
    """``torch.tensor``, also for DataFrames and the object arrays pandas 2/3 returns."""
    return torch.tensor(_numeric(data), *args, **kwargs)


def meshgrid(*tensors: Any, indexing: str = "ij") -> tuple[torch.Tensor, ...]:
    """``torch.meshgrid`` with ``ij`` indexing (torch's former default), without a warning."""
    return torch.meshgrid(*tensors, indexing=indexing)


def numpy(x: torch.Tensor, *args: Any, **kwargs: Any) -> np.ndarray:
    return x.detach().cpu().numpy(*args, **kwargs)


def size(x: torch.Tensor, *args: Any, **kwargs: Any) -> int:
    return x.numel(*args, **kwargs)


def reshape(x: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
    return x.reshape(*args, **kwargs)


def to(x: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
    return x.to(*args, **kwargs)


def reduce_sum(x: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
    return x.sum(*args, **kwargs)


def reduce_mean(x: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
    return x.mean(*args, **kwargs)


def argmax(x: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
    return x.argmax(*args, **kwargs)


def astype(x: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
    return x.type(*args, **kwargs)


def transpose(x: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
    return x.t(*args, **kwargs)
