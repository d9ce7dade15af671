"""Chapter 4's data for recipes: polynomial (4.4), high-dimensional linear (4.5), Kaggle (4.10).

Imported at the bottom of ``components.py`` (it imports torch; chapter modules
must not). Also here: the callbacks that report what 4.4 and 4.5 print (the
learned weights, ``‖w‖``) and the regression task with an L1/L2 penalty on the
weights that 4.5's scratch version and our Kaggle model train with.
"""

from __future__ import annotations

import logging
import zlib
from typing import Any

import torch

from d2lkit.data import TensorLoader
from d2lkit.data.synthetic import high_dim_linear_data, polynomial_data
from d2lkit.errors import ConfigError
from d2lkit.experiments.components import DATA, Root, RunData
from d2lkit.experiments.config import DataConfig
from d2lkit.metric import METRICS
from d2lkit.scratch.penalties import l1_penalty, l2_penalty
from d2lkit.train.callbacks import Callback
from d2lkit.train.kfold import kfold_indices
from d2lkit.train.tasks import TASKS, Batch, LossFn, Regression, Step

__all__ = ["LearnedWeights", "PenalisedRegression", "WeightNorm"]

log = logging.getLogger(__name__)


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


@DATA.register("polynomial")
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


class LearnedWeights(Callback):
    """Keep the model's weights (4.4 prints them) for summary.json, beside the true ones."""

    def __init__(self, true_w: torch.Tensor) -> None:
        self.true_w = true_w.reshape(-1)
        self.learned: list[float] = []

    def on_fit_end(self, trainer: Any) -> None:
        self.learned = _weights(trainer.model).tolist()

    def summary(self) -> dict[str, Any]:
        true = [round(float(v), 4) for v in self.true_w]
        return {"weights": {"learned": [round(v, 4) for v in self.learned], "true": true}}


def _weights(model: torch.nn.Module) -> torch.Tensor:
    """All weight matrices (parameters of 2 or more dimensions: no biases) as one vector."""
    found = [p.detach().reshape(-1) for p in model.parameters() if p.dim() >= 2]
    return torch.cat(found).cpu() if found else torch.zeros(0)


# --- 4.5: weight decay -------------------------------------------------------


@DATA.register("high-dim-linear")
def _high_dim_linear(
    config: DataConfig,
    *,
    device: torch.device,
    seed: int,
    root: Root,
    n_train: int = 20,
    n_test: int = 100,
    num_inputs: int = 200,
    lambd: float = 0.0,
) -> RunData:
    """4.5's few examples of many inputs; ``lambd`` weighs the L2 penalty of the scratch task."""
    g = _data_seed(seed, "high-dim-linear")
    train, test, true_w, _ = high_dim_linear_data(n_train, n_test, num_inputs, generator=g)
    loader, evals = _loaders(train, test, config, device, seed)
    return RunData(
        loader,
        evals,
        model_kwargs={"num_inputs": num_inputs},
        task_kwargs={"l2": lambd},
        extras={"true_w": true_w},
    )


class WeightNorm(Callback):
    """Add ``w_norm`` (the L2 norm of the weights, biases excluded) to every row (4.5)."""

    metrics = (METRICS.get("w_norm"),)

    def on_row(self, trainer: Any, row: dict[str, Any]) -> None:
        row["w_norm"] = float(torch.linalg.vector_norm(_weights(trainer.model)))


class PenalisedRegression(Regression):
    """Regression whose loss adds ``l1 * sum|w|`` and ``l2 * sum(w²) / 2`` over the weights.

    The weights are the parameters of 2 or more dimensions (biases are spared,
    as in the book). The reported loss is the data loss alone, as the book
    plots it. With both weights 0 this is plain :class:`Regression`.
    """

    def __init__(self, log_rmse: bool = False, l1: float = 0.0, l2: float = 0.0) -> None:
        super().__init__(log_rmse)
        self.l1, self.l2 = l1, l2

    def step(self, model: Any, loss_fn: LossFn, batch: Batch) -> Step:
        step = super().step(model, loss_fn, batch)
        if (self.l1 or self.l2) and torch.is_grad_enabled():
            weights = [p for p in model.parameters() if p.dim() >= 2]
            if self.l2:
                step.loss = step.loss + self.l2 * sum(l2_penalty(w) for w in weights)
            if self.l1:
                step.loss = step.loss + self.l1 * sum(l1_penalty(w) for w in weights)
        return step

    def __repr__(self) -> str:
        return f"PenalisedRegression(log_rmse={self.log_rmse}, l1={self.l1}, l2={self.l2})"


TASKS.add("penalised_regression", PenalisedRegression)


# --- 4.10: Kaggle house prices -------------------------------------------------


@DATA.register("kaggle-house")
def _kaggle_house(
    config: DataConfig,
    *,
    device: torch.device,
    seed: int,
    root: Root,
    k: int = 5,
    fold: int | None = None,
    features: str = "book",
    l1: float = 0.0,
) -> RunData:
    """One fold of K (``fold`` 0..k-1: train and "valid"), or all the training rows (None).

    ``features="book"``: the book's preprocessing, statistics of train and test
    features together, prices in dollars. ``features="strong"``: ours (see
    ``experiments/house.py``): statistics of the fold's training rows only,
    log prices, the two known outliers left out of training rows.
    ``l1`` weighs an L1 penalty on the weights (task ``penalised_regression``).
    """
    from d2lkit.experiments import house

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
    return RunData(
        loader,
        evals,
        model_kwargs={"num_inputs": X.shape[1]},
        task_kwargs={"log_rmse": prepared.log_rmse_in_training, "l1": l1},
        extras={
            "prepared": prepared,
            "train_rows": fit_rows,
            "valid_rows": valid_rows,
            "prices": table.prices,
            "test_ids": table.test_ids,
        },
    )
