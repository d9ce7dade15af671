"""Atomic file writes: a reader sees the old file or the new one, never half of one.

Everything d2lkit writes for later (checkpoints, metrics, run configs, plots,
verdicts, submissions) goes through :func:`atomic_path`: the content is
written to a temporary name in the same folder, then renamed over the target
with ``os.replace``, which is atomic on POSIX and Windows. If writing fails or
is interrupted, the temporary file is removed and the old file is untouched.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_path", "write_text_atomic"]


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)
