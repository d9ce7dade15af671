"""All recipes by name, with close-name suggestions for typos."""

from __future__ import annotations

from d2lkit.experiments import (
    ch03_linear,
    ch04_generalization,
    ch04_mlp,
    ch06_cnn,
    ch07_modern_cnn,
    ch08_rnn,
    ch09_modern_rnn,
    ch10_attention,
    ch11_optimization,
    courses,
    fast_recipes,
)
from d2lkit.experiments.recipe import Recipe
from d2lkit.registry import Registry

__all__ = ["RECIPES", "get_recipe", "list_recipes"]

_CHAPTERS = (
    ch03_linear,
    ch04_mlp,
    ch04_generalization,
    ch06_cnn,
    ch07_modern_cnn,
    ch08_rnn,
    ch09_modern_rnn,
    ch10_attention,
    ch11_optimization,
    courses,
    fast_recipes,
)

RECIPES: Registry[Recipe] = Registry("recipe", hint="`d2lkit list` shows them all", cutoff=0.5)
for _chapter in _CHAPTERS:
    for _recipe in _chapter.RECIPES:
        RECIPES.add(_recipe.name, _recipe)


def list_recipes(pattern: str = "*") -> list[Recipe]:
    """Recipes whose name matches a shell-style pattern, in book order."""
    return [RECIPES.get(name) for name in RECIPES.list(pattern)]


def get_recipe(name: str) -> Recipe:
    """The recipe called ``name``; an unknown name suggests the closest ones."""
    return RECIPES.get(name)
