"""A function recipe's run: its program writes into a new run folder; no model, no Trainer."""

from __future__ import annotations

import time

from d2lkit.experiments.config import RunConfig
from d2lkit.experiments.recipe import Recipe
from d2lkit.experiments.run.build import fetch_data
from d2lkit.experiments.run.folder import RunFolder
from d2lkit.experiments.run.options import RunOptions, RunResult
from d2lkit.experiments.run.summary import summary_of
from d2lkit.train import seed_everything

__all__ = ["run_function"]


def run_function(recipe: Recipe, config: RunConfig, options: RunOptions) -> RunResult:
    """Call ``recipe.program`` in a new run folder and sum up the figures it returns.

    A program that fails leaves no folder behind unless it wrote something.
    """
    assert recipe.program is not None
    fetch_data(config.data.dataset, options.data)
    seed_everything(config.train.seed)
    folder = RunFolder.create(options.out, recipe.label(config))
    with folder.locked():
        folder.write_config(recipe, config, "cpu")
        start = time.perf_counter()
        try:
            figures = recipe.program(config, folder.path, options.data.root)
        except BaseException:
            folder.abandon()
            raise
        final = {k: float(v) for k, v in figures.items()}
        summary = summary_of(
            recipe,
            config,
            final,
            declared=recipe.metrics,
            epochs=config.train.epochs,
            wall_time_s=time.perf_counter() - start,
            device="cpu",
        )
        folder.write_summary(summary)
    return RunResult(folder.path, summary, [])
