"""Experiments: recipes (the book's settings and reported figures) and the run driver.

Recipes and configs import no torch, so ``d2lkit list`` answers at once; the
driver (torch, data, models, training) is imported on first use.

- ``recipes/``: the recipes, one module per chapter (no torch);
- ``builders/``: what a config's names become (data sets, losses, optimisers, models);
- ``callbacks/`` and ``functions/``: what recipes add to a run, or run instead of one;
- ``run/``: the run folder, building a run, the driver and its kinds, the reproduce report.
"""

from typing import Any

from d2lkit.experiments.config import (
    DataConfig,
    ModelConfig,
    OptimConfig,
    RunConfig,
    SchedConfig,
    TaskConfig,
    TrainConfig,
    apply_overrides,
)
from d2lkit.experiments.recipe import Expected, Recipe
from d2lkit.experiments.registry import get_recipe, list_recipes

__all__ = [
    "DataConfig",
    "Expected",
    "ModelConfig",
    "OptimConfig",
    "Recipe",
    "Run",
    "RunConfig",
    "RunFolder",
    "RunInterrupted",
    "RunResult",
    "SchedConfig",
    "TaskConfig",
    "TrainConfig",
    "apply_overrides",
    "build_run",
    "get_recipe",
    "list_recipes",
    "load_run_config",
    "run_recipe",
]

# name -> the module of d2lkit.experiments.run that defines it (imported on first use: torch)
_LAZY = {
    "Run": "build",
    "build_run": "build",
    "RunFolder": "folder",
    "RunInterrupted": "options",
    "RunResult": "options",
    "load_run_config": "driver",
    "run_recipe": "driver",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"d2lkit.experiments.run.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'd2lkit.experiments' has no attribute {name!r}")
