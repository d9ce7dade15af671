"""Atomic file writes: a reader sees the old file or the new one, never half of one.

Everything d2lkit writes for later (checkpoints, metrics, run configs, plots,
verdicts, submissions) goes through :func:`atomic_path`: the content is
written to a temporary name in the same folder, then renamed over the target
with ``os.replace``, which is atomic on POSIX and Windows. If writing fails or
is interrupted, the temporary file is removed and the old file is untouched.

A write that fails for a reason the user can fix (a read-only folder, a full
disk, ``ulimit -f``, a name too long, a file where a folder should be) raises
one :class:`~d2lkit.write_errors.WriteError` naming the target, the cause in
words and the fix (:mod:`d2lkit.write_errors`).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from d2lkit.write_errors import explained_writes, probe_write_failure, write_error

__all__ = ["atomic_path", "temporary_name", "write_text_atomic"]

_NAME_MAX = 255  # bytes per file name on the common file systems


def temporary_name(path: Path) -> Path:
    """``.name.<pid>.tmp`` beside ``path``; a hash stands for a name too long to extend.

    A target whose name is near the file system's limit still gets a temporary
    name that fits, so the only name that can be too long is the user's own.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    if len(os.fsencode(tmp.name)) <= _NAME_MAX:
        return tmp
    digest = hashlib.sha1(os.fsencode(path.name)).hexdigest()[:16]
    return path.with_name(f".{digest}.{os.getpid()}.tmp")


def _ours(exc: OSError, *paths: Path) -> bool:
    """True if ``exc`` is about one of ``paths`` (or about no file): a failed write of ours."""
    return exc.filename is None or os.fspath(exc.filename) in {os.fspath(p) for p in paths}


@contextmanager
def atomic_path(path: str | os.PathLike[str], *, elsewhere: str = "") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path``.

    An ``OSError`` while making the folder, writing the temporary file or
    renaming it becomes a :class:`~d2lkit.write_errors.WriteError` about
    ``path``; ``elsewhere`` is added to its fix (e.g. "choose another folder
    with --out"). A ``RuntimeError`` from a writer that loses the errno
    (``torch.save``) becomes one too when the file system shows the cause.
    Either way nothing is left under the temporary name.
    """
    path = Path(path)
    tmp = temporary_name(path)
    try:
        with explained_writes(path, elsewhere=elsewhere):
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            yield tmp
            os.replace(tmp, path)
        except OSError as exc:
            if not _ours(exc, tmp, path):
                raise  # e.g. reading a source file failed: not a write of ours
            raise write_error(exc, path, elsewhere=elsewhere) from None
        except RuntimeError as exc:
            found = probe_write_failure(tmp)
            if found is None:
                raise
            raise write_error(
                OSError(found, os.strerror(found)), path, elsewhere=elsewhere
            ) from exc
    except BaseException:
        with suppress(OSError):  # e.g. nothing was created on a read-only file system
            tmp.unlink(missing_ok=True)
        raise


def write_text_atomic(path: str | os.PathLike[str], text: str, *, elsewhere: str = "") -> None:
    """Write ``text`` to ``path`` atomically; failures as in :func:`atomic_path`."""
    with atomic_path(path, elsewhere=elsewhere) as tmp:
        tmp.write_text(text)
