"""Experiments: recipes (the book's settings and reported figures) and the runner.

Recipes and configs import no torch, so ``d2lkit list`` answers at once; the
runner (torch, data, models, training) is imported on first use.
"""

from typing import Any

from d2lkit.experiments.config import (
    DataConfig,
    ModelConfig,
    OptimConfig,
    RunConfig,
    SchedConfig,
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
    "RunInterrupted",
    "RunResult",
    "SchedConfig",
    "TrainConfig",
    "apply_overrides",
    "build_run",
    "get_recipe",
    "list_recipes",
    "load_run_config",
    "run_recipe",
]

_RUNNER_NAMES = ("Run", "RunInterrupted", "RunResult", "build_run", "load_run_config", "run_recipe")


def __getattr__(name: str) -> Any:
    if name in _RUNNER_NAMES:
        from d2lkit.experiments import runner

        return getattr(runner, name)
    raise AttributeError(f"module 'd2lkit.experiments' has no attribute {name!r}")
