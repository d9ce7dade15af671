"""K-fold cross-validation (d2l 4.10): index splits and the table of per-fold figures.

``kfold_indices(n, k)`` cuts ``range(n)`` into ``k`` validation parts; fold
``i`` validates on part ``i`` and trains on the rest, so no sample is ever on
both sides of a fold and every sample is validated exactly once. Without
``shuffle`` the parts are contiguous blocks in row order, as the book's
``get_k_fold_data`` cuts them. Unlike the book, when ``k`` does not divide
``n`` the remainder is spread over the first folds (one row each) instead of
being left out of every fold.

What a fold *computes from its data* (feature statistics) is the caller's
business: statistics that must not see the held-out part are computed from
``train`` indices only (see ``experiments/tabular_data.py``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import torch

__all__ = ["Fold", "fold_means", "kfold_indices", "log_rmse"]


class Fold(NamedTuple):
    """Row indices of one fold: ``train`` and ``valid`` never share a row."""

    number: int  # 0-based
    train: torch.Tensor  # (n - len(valid),) int64, ascending
    valid: torch.Tensor  # (about n / k,) int64, ascending


def kfold_indices(n: int, k: int, *, shuffle: bool = False, seed: int = 0) -> list[Fold]:
    """The ``k`` folds of ``n`` rows: contiguous parts, or parts of a seeded permutation."""
    if k < 2:
        raise ValueError(f"K-fold needs k >= 2, got {k}")
    if n < k:
        raise ValueError(f"cannot cut {n} rows into {k} folds")
    order = (
        torch.randperm(n, generator=torch.Generator().manual_seed(seed))
        if shuffle
        else torch.arange(n)
    )
    parts = torch.tensor_split(order, k)  # sizes differ by at most one
    folds = []
    for i, part in enumerate(parts):
        rest = torch.cat([p for j, p in enumerate(parts) if j != i])
        folds.append(Fold(i, rest.sort().values, part.sort().values))
    return folds


def fold_means(rows: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """The mean of every numeric figure over the folds' rows (the ``fold`` number excluded)."""
    keys = [k for k in rows[0] if k != "fold" and isinstance(rows[0][k], int | float)]
    return {k: sum(float(r[k]) for r in rows) / len(rows) for k in keys}


def log_rmse(predictions: torch.Tensor, targets: torch.Tensor) -> float:
    """Kaggle's score: sqrt(mean((log ŷ - log y)²)), predictions clamped to at least 1 (4.10).

    The clamp is the book's: it keeps the log finite for a model that predicts
    a price below one dollar early in training.
    """
    p = predictions.detach().double().reshape(-1).clamp(min=1.0)
    y = targets.detach().double().reshape(-1)
    if p.numel() != y.numel():
        raise ValueError(f"{p.numel()} predictions for {y.numel()} targets")
    return math.sqrt(torch.mean((p.log() - y.log()) ** 2).item())
