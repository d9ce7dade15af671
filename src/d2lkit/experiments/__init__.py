"""Experiments: recipes (the book's settings and reported figures) and the runner."""

from d2lkit.experiments.config import (
    DataConfig,
    ModelConfig,
    OptimConfig,
    RunConfig,
    TrainConfig,
    apply_overrides,
)
from d2lkit.experiments.recipe import Expected, Recipe
from d2lkit.experiments.registry import get_recipe, list_recipes
from d2lkit.experiments.runner import RunResult, load_run_config, run_recipe

__all__ = [
    "DataConfig",
    "Expected",
    "ModelConfig",
    "OptimConfig",
    "Recipe",
    "RunConfig",
    "RunResult",
    "TrainConfig",
    "apply_overrides",
    "get_recipe",
    "list_recipes",
    "load_run_config",
    "run_recipe",
]
