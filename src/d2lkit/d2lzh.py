"""``import d2lkit.d2lzh as d2l``: the course notes' older names, on top of ``d2lkit.torch``.

Everything of :mod:`d2lkit.torch`, with the first edition's versions where
they differ (:mod:`d2lkit.compat.course`): ``FlattenLayer``,
``GlobalAvgPool2d``, ``train_ch5``, ``evaluate_accuracy(data_iter, net)``,
``load_data_fashion_mnist(batch_size, resize=None, root=...)``,
``Residual(..., stride=1)``, ``train_2d`` with two-value trainers.

The names are taken from ``d2lkit.torch.__all__`` rather than listed again,
so the two modules cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from d2lkit import torch as _book
from d2lkit.compat import course as _course

# The first edition's versions: these win over d2lkit.torch's names.
COURSE_NAMES = (
    "FlattenLayer",
    "GlobalAvgPool2d",
    "Residual",
    "evaluate_accuracy",
    "load_data_fashion_mnist",
    "show_trace_2d",
    "train_2d",
    "train_ch5",
)
_LAZY = frozenset({"plt", "Image"})  # matplotlib and PIL load on first use, as in d2lkit.torch

globals().update({name: getattr(_book, name) for name in _book.__all__ if name not in _LAZY})
globals().update({name: getattr(_course, name) for name in COURSE_NAMES})

__all__ = sorted({*_book.__all__, *COURSE_NAMES})


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(_book, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
