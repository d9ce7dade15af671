"""K-fold cross-validation (4.10): ``data.k`` trainings on folds, then one on every row.

The data set makes each fold (its builder takes ``k`` and ``fold``: 0..k-1, or
None for every row) and says how a trained fold is scored (``fold_figures``,
computed with the final weights, as the book's ``k_fold`` reports its last
epoch) and what the final model writes (``write_predictions``: the Kaggle
submission).

Each training is a child folder of the run, a run folder of its own:
``fold1/`` ... ``fold<k>/`` and ``all/``, each with config.json,
metrics.csv, checkpoint.pt and, once finished, summary.json. Resuming the
run skips the finished children and resumes the first unfinished one from
its checkpoint. The run folder holds config.json, folds.csv (one row per
fold), submission.csv and summary.json (per-fold figures, their means, the
book's figure beside ours).
"""

from __future__ import annotations

import csv
import io
import time
from typing import Any

from d2lkit.atomic import write_text_atomic
from d2lkit.errors import ConfigError
from d2lkit.experiments.config import RunConfig
from d2lkit.experiments.recipe import Recipe
from d2lkit.experiments.run.build import build_fold, fetch_data
from d2lkit.experiments.run.folder import RunFolder
from d2lkit.experiments.run.options import RunInterrupted, RunOptions, RunResult
from d2lkit.experiments.run.summary import summary_of
from d2lkit.experiments.run.training import train_into
from d2lkit.train.kfold import fold_means

__all__ = ["run_kfold"]


def run_kfold(
    recipe: Recipe, config: RunConfig, folder: RunFolder | None, options: RunOptions
) -> RunResult:
    """Train every fold, then every row, into (child folders of) one run folder."""
    k = config.data.kwargs.get("k", 5)
    fetch_data(config.data.dataset, options.data)  # once, with every flag of the run
    first = build_fold(recipe, config, 0, options.data)  # fails before any folder is made
    if first.data.fold_figures is None or first.data.write_predictions is None:
        raise ConfigError(
            f"data set {config.data.dataset!r} cannot be cross-validated: it does not score folds",
            fix="use a K-fold data set (kaggle-house), or a training recipe",
        )
    if folder is None:
        folder = RunFolder.create(options.out, recipe.label(config))
    start = time.perf_counter()
    with folder.locked():
        folder.write_config(recipe, config, first.device)
        rows: list[dict[str, Any]] = []
        for fold in [*range(k), None]:  # the K folds, then all rows
            run = first if fold == 0 else build_fold(recipe, config, fold, options.data)
            child = folder.child("all" if fold is None else f"fold{fold + 1}")
            try:
                rows.append(_train_fold(run, child, options, fold, folder))
            except RunInterrupted as stop:  # resume the whole run, not the fold
                raise RunInterrupted(
                    folder, stop.epochs_done, stop.epochs, recipe.name, part=child
                ) from stop
        everything = rows.pop()
        folds = [{"fold": i + 1, **r["figures"]} for i, r in enumerate(rows)]
        _write_csv(folder, folds)
        summary = summary_of(
            recipe,
            config,
            {**fold_means(folds), **_all_rows(everything["figures"])},
            declared=recipe.metrics,
            epochs=config.train.epochs,
            unit="examples",
            k=k,
            folds=folds,
            wall_time_s=time.perf_counter() - start,
            examples_per_sec=everything["examples_per_sec"],
            device=str(first.device),
            resumed_from_epoch=None,
            submission=everything["written"],
        )
        folder.write_summary(summary)
    return RunResult(folder.path, summary, folds)


def _train_fold(
    run: Any, child: RunFolder, options: RunOptions, fold: int | None, parent: RunFolder
) -> dict[str, Any]:
    """One fold's figures: read back when it finished earlier, else trained (or resumed)."""
    done = child.read_summary()
    if done is not None and "fold_figures" in done:
        return dict(done["fold_figures"])
    saved = child.read_config()[1] if child.has_checkpoint else None
    label = "all rows" if fold is None else f"fold {fold + 1}"
    trainer, result = train_into(
        run, child, options, saved=saved, curves=fold in (0, None), done_ok=True, fold=label
    )
    figures = run.data.fold_figures(trainer.predict)
    written = run.data.write_predictions(trainer.predict, parent.path) if fold is None else None
    speed = result.summary.get("examples_per_sec", 0.0)
    outcome = {"figures": figures, "written": written, "examples_per_sec": speed}
    child.write_summary({**result.summary, "fold_figures": outcome})
    return outcome


def _all_rows(figures: dict[str, float]) -> dict[str, float]:
    """The final model's figures on every training row, named apart from the folds' means."""
    return {f"all_{name}": value for name, value in figures.items()}


def _write_csv(folder: RunFolder, rows: list[dict[str, Any]]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_text_atomic(folder.path / "folds.csv", buffer.getvalue())
