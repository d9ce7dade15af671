"""Chapter 4's data for recipes: polynomial (4.4), high-dimensional linear (4.5), Kaggle (4.10)."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from d2lkit.data import TensorLoader
from d2lkit.data.synthetic import high_dim_linear_data, polynomial_data
from d2lkit.data.tabular import write_submission
from d2lkit.errors import ConfigError
from d2lkit.experiments.builders.data import Root, RunData, register_data
from d2lkit.experiments.config import DataConfig
from d2lkit.train.kfold import kfold_indices, log_rmse

__all__: list[str] = []


def _loaders(
    train: tuple[torch.Tensor, ...],
    test: tuple[torch.Tensor, ...] | None,
    config: DataConfig,
    device: torch.device,
    seed: int,
    name: str = "test",
) -> tuple[TensorLoader, dict[str, TensorLoader]]:
    loader = TensorLoader(
        *train, batch_size=config.batch_size, shuffle=True, seed=seed, device=device
    )
    if test is None:
        return loader, {}
    eval_bs = config.eval_batch_size or config.batch_size
    return loader, {name: TensorLoader(*test, batch_size=eval_bs, device=device)}


def _data_seed(seed: int, name: str) -> int:
    """The seed of a synthetic data set's own generator: from the run's seed, but not equal.

    With the same seed as the global generator, the first draws of the data
    would equal the model's initial weights (4.5's w would start as the first
    training example, inside the span of the data, and never keep its norm).
    """
    return (seed * 1_000_003 + zlib.crc32(name.encode())) % 2**63


# --- 4.4: polynomial regression ----------------------------------------------


@register_data("polynomial")
def _polynomial(
    config: DataConfig,
    *,
    device: torch.device,
    seed: int,
    root: Root,
    degree: int = 4,
    max_degree: int = 20,
    n_train: int = 100,
    n_test: int = 100,
    noise: float = 0.1,
) -> RunData:
    """4.4's data drawn from the run's seed; the model sees the first ``degree`` scaled powers."""
    if not 1 <= degree <= max_degree:
        raise ConfigError(
            f"data.degree = {degree} is not in [1, {max_degree}]",
            fix=f"pass 1 <= data.degree <= data.max_degree ({max_degree})",
        )
    g = _data_seed(seed, "polynomial")
    data = polynomial_data(max_degree, n_train, n_test, noise=noise, generator=g)
    train, test = data.split(degree)
    loader, evals = _loaders(train, test, config, device, seed)
    return RunData(
        loader,
        evals,
        model_kwargs={"num_inputs": degree},
        extras={"true_w": data.true_w[:degree]},
    )


@register_data("high-dim-linear")
def _high_dim_linear(
    config: DataConfig,
    *,
    device: torch.device,
    seed: int,
    root: Root,
    n_train: int = 20,
    n_test: int = 100,
    num_inputs: int = 200,
) -> RunData:
    """4.5's few examples of many inputs (the scratch recipe's penalty is ``task.l2``)."""
    g = _data_seed(seed, "high-dim-linear")
    train, test, true_w, _ = high_dim_linear_data(n_train, n_test, num_inputs, generator=g)
    loader, evals = _loaders(train, test, config, device, seed)
    return RunData(
        loader,
        evals,
        model_kwargs={"num_inputs": num_inputs},
        extras={"true_w": true_w},
    )


# --- 4.10: Kaggle house prices -------------------------------------------------


@register_data("kaggle-house", files="kaggle-house")
def _kaggle_house(
    config: DataConfig,
    *,
    device: torch.device,
    seed: int,
    root: Root,
    k: int = 5,
    fold: int | None = None,
    features: str = "book",
) -> RunData:
    """One fold of K (``fold`` 0..k-1: train and "valid"), or all the training rows (None).

    ``features="book"``: the book's preprocessing, statistics of train and test
    features together, prices in dollars. ``features="strong"``: ours (see
    ``experiments/house.py``): statistics of the fold's training rows only,
    log prices, the two known outliers left out of training rows. A fold is
    scored (``fold_figures``) by the log-RMSE of predicted prices in dollars on
    its training and held-out rows, with the final weights, as the book's
    ``k_fold`` reports them; the final model writes ``submission.csv``.
    """
    from d2lkit.experiments.builders import house

    if features not in house.FEATURES:
        raise ConfigError(
            f"data.features = {features!r} is unknown",
            fix=f"use one of: {', '.join(house.FEATURES)}",
        )
    table = house.house_table(root)
    n = table.num_train
    if fold is None:
        train_rows, valid_rows = torch.arange(n), None
    else:
        if not 0 <= fold < k:
            raise ConfigError(f"data.fold = {fold} is not in [0, {k})", fix="pass 0 <= fold < k")
        _, train_rows, valid_rows = kfold_indices(n, k)[fold]
    prepared = house.FEATURES[features](table, train_rows)
    X, y = prepared.features, prepared.targets
    fit_rows = prepared.fit_rows
    train = (X[fit_rows], y[fit_rows])
    valid = None if valid_rows is None else (X[valid_rows], y[valid_rows])
    loader, evals = _loaders(train, valid, config, device, seed, name="valid")
    scores = _FoldScores(prepared, table, fit_rows, valid_rows)
    return RunData(
        loader,
        evals,
        model_kwargs={"num_inputs": X.shape[1]},
        task_kwargs={"log_rmse": prepared.log_rmse_in_training},
        extras={"prepared": prepared, "prices": table.prices},
        fold_figures=scores.figures,
        write_predictions=scores.write_submission,
    )


class _FoldScores:
    """How a trained fold is scored, and what the final model writes (4.10's k_fold)."""

    def __init__(self, prepared: Any, table: Any, fit: torch.Tensor, valid: Any) -> None:
        self.prepared, self.table, self.fit, self.valid = prepared, table, fit, valid

    def _prices(self, predict: Callable[..., Any], rows: torch.Tensor) -> torch.Tensor:
        """Prices in dollars that a model predicts for some rows of the prepared features."""
        outputs = predict(self.prepared.features[rows])
        return self.prepared.to_price(outputs.detach().double().cpu()).reshape(-1)

    def figures(self, predict: Callable[..., Any]) -> dict[str, float]:
        """log-RMSE of the fold's training rows and held-out rows, with the final weights."""
        prices = self.table.prices
        figures = {"train_log_rmse": log_rmse(self._prices(predict, self.fit), prices[self.fit])}
        if self.valid is not None:
            valid = self._prices(predict, self.valid)
            figures["valid_log_rmse"] = log_rmse(valid, prices[self.valid])
        return figures

    def write_submission(self, predict: Callable[..., Any], folder: Path) -> str:
        """``submission.csv`` (Id, SalePrice) of the test rows; returns its name."""
        test_rows = torch.arange(self.table.num_train, self.prepared.features.shape[0])
        prices = self._prices(predict, test_rows)
        write_submission(folder / "submission.csv", self.table.test_ids, prices)
        return "submission.csv"
