"""A lock per destination file, shared by every process that writes it.

Two processes fetching the same file would otherwise share one ``name.part``:
the second truncates the first's download. ``file_lock(dest)`` holds an
exclusive ``flock`` on ``.name.lock`` beside ``dest``; a second process waits,
then finds the verified file in place. The lock file is removed by its holder
on release (checked by inode, so a waiter never holds a lock on a removed
file). Where ``fcntl`` does not exist (Windows) or the folder is read-only,
the lock is skipped with a debug message: d2lkit still works, unguarded.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX
    fcntl = None  # type: ignore[assignment]

__all__ = ["file_lock", "lock_path"]

log = logging.getLogger(__name__)


def lock_path(dest: Path) -> Path:
    """The lock file guarding ``dest``: ``.name.lock`` in the same folder."""
    return dest.with_name(f".{dest.name}.lock")


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _same_file(fd: int, path: Path) -> bool:
    try:
        st = path.stat()
    except FileNotFoundError:
        return False
    own = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (own.st_dev, own.st_ino)


@contextlib.contextmanager
def file_lock(dest: Path, *, what: str = "") -> Iterator[None]:
    """Hold the cross-process lock of ``dest`` for the ``with`` block; wait while another has it."""
    if fcntl is None:
        yield
        return
    path = lock_path(Path(dest))
    waited = False
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            log.debug("no lock for %s (%s): going on without one", dest, exc)
            yield
            return
        if not _try_lock(fd):
            if not waited:
                log.info("waiting for another process %s %s", what or "writing", dest)
                waited = True
            fcntl.flock(fd, fcntl.LOCK_EX)  # blocks until the holder releases it
        if _same_file(fd, path):
            break
        os.close(fd)  # the holder removed that lock file on release: lock the new one
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
        os.close(fd)  # closing releases the flock
