"""K-fold cross-validation of a recipe (4.10), then a training on every row and a submission.

The recipe's data builder takes ``k`` and ``fold`` (0..k-1: that fold's
training rows and its "valid" rows; None: all training rows) and puts in its
``extras`` what this runner reads: the prepared features, the rows, prices in
dollars, the test Ids. Each fold is one ordinary ``build_run`` + ``Trainer``;
its figures are computed at the end of the fold with the final weights, as the
book's ``k_fold`` reports its last epoch.

The run folder holds config.json, folds.csv (one row per fold), fold<i>/
(metrics.csv of each fold; curves.png of the first, as the book draws
it), metrics.csv, curves.png and checkpoint.pt (last epoch only) of the
final training on all rows, submission.csv (Id,
SalePrice for Kaggle) and summary.json (per-fold figures, their means, the
book's figure beside ours).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from d2lkit.atomic import write_text_atomic
from d2lkit.data.tabular import write_submission
from d2lkit.errors import ConfigError
from d2lkit.experiments.config import RunConfig
from d2lkit.experiments.recipe import Recipe
from d2lkit.experiments.runner import (
    SUMMARY_FILE,
    Run,
    RunResult,
    book_verdict,
    build_run,
    new_run_dir,
    write_run_config,
)
from d2lkit.train import Callback, Checkpoint, CurvePlot, MetricsLogger, ProgressBar
from d2lkit.train.kfold import fold_means, log_rmse

__all__ = ["fold_figures", "run_kfold"]


def _with_fold(config: RunConfig, fold: int | None) -> RunConfig:
    data = dataclasses.replace(config.data, kwargs={**config.data.kwargs, "fold": fold})
    return dataclasses.replace(config, data=data)


def _prices(run: Run, trainer: Any, rows: torch.Tensor) -> torch.Tensor:
    """The model's predicted prices (dollars) for some rows of the prepared features."""
    prepared = run.data.extras["prepared"]
    outputs = trainer.predict(prepared.features[rows])
    return prepared.to_price(outputs.detach().double().cpu()).reshape(-1)


def fold_figures(run: Run, trainer: Any) -> dict[str, float]:
    """log-RMSE of the fold's training rows and held-out rows, with the final weights."""
    prices = run.data.extras["prices"]
    fit, valid = run.data.extras["train_rows"], run.data.extras["valid_rows"]
    figures = {"train_log_rmse": log_rmse(_prices(run, trainer, fit), prices[fit])}
    if valid is not None:
        figures["valid_log_rmse"] = log_rmse(_prices(run, trainer, valid), prices[valid])
    return figures


def _write_csv(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_text_atomic(path, buffer.getvalue())


def run_kfold(
    recipe: Recipe,
    config: RunConfig | None = None,
    *,
    out: str | os.PathLike[str] = "runs",
    data_root: str | os.PathLike[str] | None = None,
    resume: str | os.PathLike[str] | None = None,
    progress: bool = True,
    download: bool = True,
    callbacks: Sequence[Callback] = (),
) -> RunResult:
    """Train ``data.k`` folds, report each fold's log-RMSE and the means, then fit all rows.

    ``RunResult.history`` holds the per-fold rows (each fold's epochs are in fold<i>/).
    """
    if resume is not None:
        raise ConfigError(
            f"{recipe.name} is K trainings and cannot be resumed",
            fix=f"run it again: `d2lkit run {recipe.name}` (it takes seconds)",
        )
    config = (config or recipe.config).validate()
    k, epochs = config.data.kwargs.get("k", 5), config.train.epochs
    run_dir: Path | None = None
    rows: list[dict[str, Any]] = []
    start = time.perf_counter()
    for fold in [*range(k), None]:  # the K folds, then all rows
        run = build_run(recipe, _with_fold(config, fold), data_root=data_root, download=download)
        download = False  # verified once
        if run_dir is None:
            run_dir = new_run_dir(Path(out), recipe.name)
            write_run_config(run_dir, recipe, config, run.device, data_root)
        folder = run_dir if fold is None else run_dir / f"fold{fold + 1}"
        label = "all rows" if fold is None else f"fold {fold + 1}/{k}"
        trainer = run.make_trainer(
            [
                *([ProgressBar()] if progress else []),
                MetricsLogger(folder),
                *(  # the book draws fold 1 and the final training
                    [
                        CurvePlot(
                            folder / "curves.png", title=f"{recipe.name}, {label}", yscale="log"
                        )
                    ]
                    if fold in (0, None)
                    else []
                ),
                *([Checkpoint(run_dir / "checkpoint.pt", every=epochs)] if fold is None else []),
                *(recipe.callbacks(run) if recipe.callbacks is not None else ()),
                *callbacks,
            ]
        )
        history = trainer.fit(run.data.train, run.data.evals, epochs=epochs)
        figures = fold_figures(run, trainer)
        if fold is not None:
            rows.append({"fold": fold + 1, **figures})
            continue
        num_train = run.data.extras["prices"].shape[0]
        test_rows = torch.arange(num_train, run.data.extras["prepared"].features.shape[0])
        write_submission(
            run_dir / "submission.csv",
            run.data.extras["test_ids"],
            _prices(run, trainer, test_rows),
        )
        all_rows = figures["train_log_rmse"]
    assert run_dir is not None
    wall = time.perf_counter() - start
    _write_csv(run_dir / "folds.csv", rows)
    means = fold_means(rows)
    final = {**means, "all_train_log_rmse": all_rows}
    summary: dict[str, Any] = {
        "recipe": recipe.name,
        "section": recipe.section,
        "epochs": config.train.epochs,
        "task": config.train.task,
        "unit": "examples",
        "k": k,
        "folds": rows,
        "final": final,
        "wall_time_s": wall,
        "examples_per_sec": sum(r["examples_per_sec"] for r in history) / len(history),
        "device": str(run.device),
        "seed": config.train.seed,
        "resumed_from_epoch": None,
        "submission": "submission.csv",
    }
    if recipe.expected is not None:
        summary["book"] = book_verdict(recipe, config, final.get(recipe.expected.metric))
    write_text_atomic(run_dir / SUMMARY_FILE, json.dumps(summary, indent=2) + "\n")
    return RunResult(run_dir, summary, rows)
