"""A lock per destination file, shared by every process that writes it.

Two processes fetching the same file would otherwise share one ``name.part``:
the second truncates the first's download. ``file_lock(dest)`` holds an
exclusive ``flock`` on ``.name.lock`` beside ``dest``; a second process waits,
then finds the verified file in place. The lock file is removed by its holder
on release (checked by inode, so a waiter never holds a lock on a removed
file). Where ``fcntl`` does not exist (Windows) or the lock file cannot be
made (a read-only data folder, which nothing will be written to anyway), the
lock is skipped with a debug message that says why: d2lkit still works,
unguarded. A caller for whom the lock is the point (one process per run
folder) passes ``required=True``: then a lock file that cannot be made is a
:class:`~d2lkit.write_errors.WriteError` naming it, the cause and the fix.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path

from d2lkit.write_errors import write_error

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "LockHeld",
    "exclusive_lock",
    "file_lock",
    "held_elsewhere",
    "lock_path",
    "remove_if_free",
]

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
def file_lock(
    dest: Path, *, what: str = "", required: bool = False, elsewhere: str = ""
) -> Iterator[None]:
    """Hold the cross-process lock of ``dest`` for the ``with`` block; wait while another has it.

    A lock file that cannot be made is skipped (said at debug level), unless
    ``required``: then it is a :class:`~d2lkit.write_errors.WriteError`
    whose fix ends with ``elsewhere``.
    """
    if fcntl is None:
        yield
        return
    path = lock_path(Path(dest))
    waited = False
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            error = write_error(exc, path, action="create the lock file", elsewhere=elsewhere)
            if required:
                raise error from None
            log.debug("no lock for %s (%s): going on without one", dest, error.message)
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


def held_elsewhere(dest: Path) -> bool:
    """True if some process holds the lock of ``dest`` right now (False where locks are off)."""
    if fcntl is None:
        return False
    try:
        fd = os.open(lock_path(Path(dest)), os.O_RDWR)
    except OSError:
        return False  # no lock file: nobody holds it
    try:
        if not _try_lock(fd):
            return True
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def remove_if_free(lock_file: Path) -> bool:
    """Remove a lock file nobody holds (one a killed process left); True if removed.

    It is removed while locked, like a holder does on release, so a process
    that opened it meanwhile notices and locks a fresh one.
    """
    if fcntl is None:
        return False
    try:
        fd = os.open(lock_file, os.O_RDWR)
    except OSError:
        return False
    try:
        if not (_try_lock(fd) and _same_file(fd, lock_file)):
            return False
        lock_file.unlink()
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


class LockHeld(Exception):
    """Another live process holds the lock; ``pid`` is the one it wrote (None if unreadable)."""

    def __init__(self, dest: Path, pid: int | None) -> None:
        super().__init__(f"{dest} is locked by process {pid}")
        self.dest, self.pid = dest, pid


@contextlib.contextmanager
def exclusive_lock(dest: Path) -> Iterator[None]:
    """Hold ``dest``'s lock for the block, or raise :class:`LockHeld` at once; never wait.

    The holder writes its pid into the lock file, so the refusal can name it.
    A lock file left by a killed process is held by nobody (``flock`` ends with
    its process) and is simply taken over.
    """
    if fcntl is None:
        yield
        return
    path = lock_path(Path(dest))
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            log.debug("no lock for %s (%s): going on without one", dest, exc)
            yield
            return
        if not _try_lock(fd):
            pid = _pid_in(fd)
            os.close(fd)
            raise LockHeld(Path(dest), pid)
        if _same_file(fd, path):
            break
        os.close(fd)  # its holder removed that file on release: lock a fresh one
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
        os.close(fd)


def _pid_in(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode().strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None
