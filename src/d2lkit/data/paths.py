"""Where data lives (the data directory) and where d2lkit keeps its own small state.

The data directory is ``--data-dir`` (passed as ``root``) > ``$D2LKIT_DATA`` >
``~/.cache/d2lkit``; data set ``d`` lives in ``<root>/<d.folder>``. Verdicts of
verified files live in ``$D2LKIT_CACHE`` (default ``~/.cache/d2lkit``), so the
data directory itself may be read-only.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["ENV_CACHE", "ENV_DATA", "cache_dir", "data_dir"]

ENV_DATA = "D2LKIT_DATA"
ENV_CACHE = "D2LKIT_CACHE"


def data_dir(root: str | os.PathLike[str] | None = None) -> Path:
    """The data directory: ``root`` if given, else ``$D2LKIT_DATA``, else ``~/.cache/d2lkit``."""
    if root:
        return Path(root).expanduser()
    env = os.environ.get(ENV_DATA)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "d2lkit"


def cache_dir() -> Path:
    """Where d2lkit keeps small state of its own (verification verdicts)."""
    env = os.environ.get(ENV_CACHE)
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "d2lkit"
