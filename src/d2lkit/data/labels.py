"""Class labels as read from a file, checked before anything trains on them.

A label outside ``0 .. classes-1`` would otherwise surface as an ``IndexError``
deep in a loss function, mid-training, after a run folder was made; here it is
a :class:`~d2lkit.errors.DataError` when the data are read, naming the file,
the first bad value, its position, how many there are, and the fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from d2lkit.errors import DataError

__all__ = ["check_label_range", "labels_from"]


def check_label_range(labels: torch.Tensor, classes: int, name: str, fix: str) -> torch.Tensor:
    """``labels`` unchanged if every value lies in ``0 .. classes-1``; else a DataError.

    Args:
        labels: (N,) integer labels.
        classes: how many classes the data set has.
        name: the file (or archive member) they were read from.
        fix: what to do about a bad file.
    """
    if labels.numel() == 0:
        return labels
    bad = (labels < 0) | (labels >= classes)
    if not bool(bad.any()):
        return labels
    where = torch.nonzero(bad.reshape(-1))
    first = int(where[0])
    value = int(labels.reshape(-1)[first])
    raise DataError(
        f"{name}: label {value} at position {first} is out of range: {len(where)} of its "
        f"{labels.numel()} labels lie outside 0 to {classes - 1} (the data set has {classes} "
        "classes)",
        fix=fix,
    )


def labels_from(value: Any, name: str, fix: str) -> torch.Tensor:
    """A list (or 1-D array) of whole numbers as an int64 tensor; anything else a DataError."""
    if isinstance(value, np.ndarray):
        array = value
    elif isinstance(value, Sequence) and not isinstance(value, str | bytes):
        try:
            array = np.asarray(value)
        except ValueError:  # ragged nested lists
            array = np.asarray(value, dtype=object)
    else:
        raise DataError(f"{name}: its labels are not a list but a {type(value).__name__}", fix=fix)
    if array.ndim != 1 or not (
        np.issubdtype(array.dtype, np.integer) or (array.size == 0 and array.dtype == float)
    ):
        raise DataError(
            f"{name}: its labels are not whole numbers (a {array.ndim}-d array of "
            f"{array.dtype}), expected one whole number per image",
            fix=fix,
        )
    return torch.from_numpy(array.astype(np.int64))
