"""Run a function right after a module is first imported, without importing it now.

The book adapters change third-party behaviour (pandas' reductions,
torchvision's downloads) for the book's cells. Importing pandas or torchvision
just to patch them would make every ``import d2lkit.torch`` pay for modules a
section may never use; a one-shot finder on ``sys.meta_path`` waits for the
section's own import instead.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Callable, Sequence
from types import ModuleType

__all__ = ["AfterImport", "call_after_import", "cancel"]


class AfterImport(importlib.abc.MetaPathFinder):
    """Finds nothing itself: when ``module`` is first imported, ``callback`` runs right after."""

    def __init__(self, module: str, callback: Callable[[], object]) -> None:
        self.module, self.callback = module, callback

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.module:
            return None
        cancel(self.module)  # one shot; the lookup below must not come back here
        spec = importlib.util.find_spec(fullname)
        loader = spec.loader if spec is not None else None
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        run_module, callback = loader.exec_module, self.callback

        def exec_module(module: ModuleType) -> None:
            run_module(module)
            callback()

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def call_after_import(module: str, callback: Callable[[], object]) -> None:
    """``callback()`` now if ``module`` is imported, else right after its first import (once)."""
    if module in sys.modules:
        callback()
        return
    if not any(isinstance(f, AfterImport) and f.module == module for f in sys.meta_path):
        sys.meta_path.insert(0, AfterImport(module, callback))


def cancel(module: str) -> None:
    """Forget what :func:`call_after_import` was waiting to run after ``module``."""
    sys.meta_path[:] = [
        f for f in sys.meta_path if not (isinstance(f, AfterImport) and f.module == module)
    ]
