"""All recipes by name, with close-name suggestions for typos."""

from __future__ import annotations

import fnmatch

from d2lkit.errors import ConfigError, did_you_mean
from d2lkit.experiments import ch03_linear, ch04_mlp, ch06_cnn, ch07_modern_cnn
from d2lkit.experiments.recipe import Recipe

__all__ = ["get_recipe", "list_recipes"]

_CHAPTERS = (ch03_linear, ch04_mlp, ch06_cnn, ch07_modern_cnn)
_RECIPES: dict[str, Recipe] = {r.name: r for chapter in _CHAPTERS for r in chapter.RECIPES}


def list_recipes(pattern: str = "*") -> list[Recipe]:
    """Recipes whose name matches a shell-style pattern, in book order."""
    return [r for r in _RECIPES.values() if fnmatch.fnmatchcase(r.name, pattern)]


def get_recipe(name: str) -> Recipe:
    """The recipe called ``name``; an unknown name suggests the closest ones."""
    try:
        return _RECIPES[name]
    except KeyError:
        raise ConfigError(
            f"unknown recipe {name!r}",
            fix=f"{did_you_mean(name, _RECIPES, cutoff=0.5)}`d2lkit list` shows "
            f"all {len(_RECIPES)} recipes",
        ) from None
