"""A registry of model entry functions: ``create_model("lenet_bn")``.

Each model family registers small entry functions (one per variant, with a
``tiny`` variant for fast tests), so recipes, the CLI and tests can name a
model by a string and check its keyword arguments before building it.

This module imports no torch: the families (which do) are imported on the
first lookup, and :mod:`d2lkit.models.signatures` reads their entry functions
from source for ``d2lkit show`` and ``d2lkit list --models``.
"""

from __future__ import annotations

import functools
import importlib
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from d2lkit.errors import ConfigError
from d2lkit.registry import Registry

if TYPE_CHECKING:
    from torch import nn

__all__ = ["MODELS", "create_model", "families", "list_models", "model_entry", "register_model"]

ModelFn = TypeVar("ModelFn", bound="Callable[..., nn.Module]")


@functools.cache
def families() -> tuple[str, ...]:
    """The modules of d2lkit.models that register entry functions, found in their source.

    Read, not imported (no torch): a new family is a new file with ``@register_model``
    entries, and no list names it. The registry imports them on first use;
    d2lkit.models.signatures reads the same files.
    """
    own = Path(__file__).resolve().parent
    return tuple(
        sorted(
            path.stem
            for path in own.glob("*.py")
            if path.stem not in ("__init__", "registry")
            and "@register_model" in path.read_text(encoding="utf-8")
        )
    )


def _load_families() -> None:
    # Importing each family registers its entry functions; done on first use, not at import.
    for family in families():
        importlib.import_module(f"d2lkit.models.{family}")


MODELS: Registry[Callable[..., nn.Module]] = Registry(
    "model", hint="list_models() or `d2lkit list --models` shows them all", loader=_load_families
)


def register_model(fn: ModelFn) -> ModelFn:
    """Register an entry function under its own name (e.g. ``lenet_bn``)."""
    MODELS.add(fn.__name__, fn)
    return fn


def list_models(pattern: str = "*") -> list[str]:
    """Registered model names matching a shell-style pattern, sorted."""
    return sorted(MODELS.list(pattern))


def model_entry(name: str) -> Callable[..., nn.Module]:
    """The entry function registered as ``name``; an unknown name suggests close ones."""
    return MODELS.get(name)


def create_model(name: str, **kwargs: Any) -> nn.Module:
    """Build a registered model; unknown keyword arguments are a :class:`ConfigError`."""
    fn = model_entry(name)
    params = inspect.signature(fn).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    unknown = [k for k in kwargs if k not in params and not takes_any]
    if unknown:
        raise ConfigError(
            f"model {name!r} takes no argument {', '.join(map(repr, unknown))}",
            fix=f"its arguments are: {', '.join(params) or 'none'}",
        )
    return fn(**kwargs)
