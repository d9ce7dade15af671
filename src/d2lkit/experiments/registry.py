"""All recipes by name, with close-name suggestions for typos.

Every module of :mod:`d2lkit.experiments.recipes` holds a ``RECIPES`` tuple
(a chapter's, or a course's); they are found by listing that package, so a new
chapter module needs no line here. Recipe modules import no torch.
"""

from __future__ import annotations

import importlib
import pkgutil

from d2lkit.experiments import recipes as _package
from d2lkit.experiments.recipe import Recipe
from d2lkit.registry import Registry

__all__ = ["RECIPES", "get_recipe", "list_recipes"]


def _load_recipes() -> None:
    for module in sorted(pkgutil.iter_modules(_package.__path__), key=lambda m: m.name):
        for recipe in importlib.import_module(f"{_package.__name__}.{module.name}").RECIPES:
            RECIPES.add(recipe.name, recipe)


RECIPES: Registry[Recipe] = Registry(
    "recipe", hint="`d2lkit list` shows them all", cutoff=0.5, loader=_load_recipes
)


def list_recipes(pattern: str = "*") -> list[Recipe]:
    """Recipes whose name matches a shell-style pattern, in book order."""
    return [RECIPES.get(name) for name in RECIPES.list(pattern)]


def get_recipe(name: str) -> Recipe:
    """The recipe called ``name``; an unknown name suggests the closest ones."""
    return RECIPES.get(name)
