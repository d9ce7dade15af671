"""All recipes by name, with close-name suggestions for typos."""

from __future__ import annotations

import difflib
import fnmatch

from d2lkit.errors import ConfigError
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
        close = difflib.get_close_matches(name, _RECIPES, n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise ConfigError(f"unknown recipe {name!r}",
                          fix=f"{hint}`d2lkit list` shows all {len(_RECIPES)} recipes") from None
