"""A registry of model entry functions: ``create_model("lenet_bn")``.

Each model family registers small entry functions (one per variant, with a
``tiny`` variant for fast tests), so recipes, the CLI and tests can name a
model by a string and check its keyword arguments before building it.
"""

from __future__ import annotations

import fnmatch
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from torch import nn

from d2lkit.errors import ConfigError, did_you_mean

__all__ = ["create_model", "list_models", "model_entry", "register_model"]

ModelFn = TypeVar("ModelFn", bound=Callable[..., nn.Module])
_REGISTRY: dict[str, Callable[..., nn.Module]] = {}


def register_model(fn: ModelFn) -> ModelFn:
    """Register an entry function under its own name (e.g. ``lenet_bn``)."""
    name = fn.__name__
    if name in _REGISTRY and _REGISTRY[name] is not fn:
        raise ValueError(f"a model named {name!r} is already registered")
    _REGISTRY[name] = fn
    return fn


def _load_families() -> None:
    # Importing the package registers every family; done on first use, not at import.
    import d2lkit.models  # noqa: F401


def list_models(pattern: str = "*") -> list[str]:
    """Registered model names matching a shell-style pattern, sorted."""
    _load_families()
    return sorted(name for name in _REGISTRY if fnmatch.fnmatchcase(name, pattern))


def model_entry(name: str) -> Callable[..., nn.Module]:
    """The entry function registered as ``name``; an unknown name suggests close ones."""
    _load_families()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ConfigError(
            f"unknown model {name!r}",
            fix=f"{did_you_mean(name, _REGISTRY)}list_models() shows all {len(_REGISTRY)}",
        ) from None


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
