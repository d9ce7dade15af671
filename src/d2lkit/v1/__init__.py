"""Facades for d2l 1.x, the English edition at d2l.ai: ``from d2lkit.v1 import torch as d2l``.

See :mod:`d2lkit.v1.torch` and docs/compat.md. Importing this package does nothing else.
"""

__all__: list[str] = []
