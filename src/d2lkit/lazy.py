"""A package whose names load on first use (PEP 562): importing it imports no submodule.

``d2lkit.data`` and ``d2lkit.models`` name dozens of readers and models; importing
each submodule at once would import torch for ``d2lkit data list``, which needs
none of it. :func:`lazy_names` gives such a package its ``__getattr__`` and
``__dir__``: a name is imported from the submodule a table says defines it, the
first time it is asked for, and kept.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["lazy_names"]


def lazy_names(
    package: str, sources: Mapping[str, str], public: Sequence[str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``: each name of ``sources`` from its submodule.

    A submodule's own name (``d2lkit.data.vision``) also loads on first use, as it
    did when the package imported every submodule.
    """

    def __getattr__(name: str) -> Any:
        module = sources.get(name)
        namespace = vars(sys.modules[package])
        if module is not None:
            value = getattr(importlib.import_module(f"{package}.{module}"), name)
            namespace[name] = value  # later lookups are plain attribute reads
            return value
        if not name.startswith("_") and importlib.util.find_spec(f"{package}.{name}") is not None:
            return importlib.import_module(f"{package}.{name}")
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(public))

    return __getattr__, __dir__
