"""Our own writes that fail: one message naming the path, the cause in words, and the fix.

Every file or folder d2lkit writes (a download, an extracted archive, the
verdict cache, a lock file, a run folder, a checkpoint) can fail for reasons
the user can act on: a read-only folder or file system, a full disk, the
file-size limit of the shell (``ulimit -f``), a name longer than the file
system allows, a file where a folder should be, a path inside ``/proc``.
Python reports each as an ``OSError`` with an errno and a terse text; this
module turns it into one :class:`WriteError` (a :class:`~d2lkit.errors.D2lkitError`,
so the command line prints it without a traceback) that says which path, why
in words, and what to do.

Use :func:`explained_writes` around the write itself (never around network
reads: a failed download is not a failed write), or :func:`write_error` where
an ``OSError`` is already caught. :func:`d2lkit.atomic.atomic_path` uses it, so
every atomic write is explained. Leaving nothing half-written stays the
writer's job (``atomic_path``'s temporary name, a download's ``.part``, an
extraction's work folder): this module only explains.

A write past ``ulimit -f`` would kill a C program with ``SIGXFSZ``; CPython
ignores that signal at start-up, so the write fails with ``EFBIG`` and is
explained like the others. ``torch.save`` reports such failures as a bare
``RuntimeError`` without an errno: :func:`probe_write_failure` finds the cause
from the file system (no space left, the size limit reached, a read-only
file system) where it can.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

from d2lkit.errors import D2lkitError

__all__ = ["WriteError", "explained_writes", "probe_write_failure", "write_error"]

# Kernel file systems: nothing a user names there can be stored.
_VIRTUAL = ("/proc", "/sys", "/dev")
_NAME_MAX = 255  # bytes per name on ext4, xfs, btrfs, tmpfs, APFS, NTFS


class WriteError(D2lkitError):
    """Writing a file or folder of ours failed; ``path``, ``cause`` and ``errno`` say why.

    ``cause`` is the reason in words ("no space left on the device holding
    /data"); ``errno`` is the OSError's number (None if it had none);
    ``os_error`` the ``OSError`` itself.
    """

    def __init__(
        self, message: str, fix: str, *, path: Path, cause: str, os_error: OSError
    ) -> None:
        super().__init__(message, fix)
        self.path = path
        self.cause = cause
        self.os_error = os_error
        self.errno = os_error.errno


def _virtual_root(path: Path) -> str | None:
    """``/proc``, ``/sys`` or ``/dev`` if ``path`` lies in one of them, else None."""
    text = os.path.abspath(path)
    for root in _VIRTUAL:
        if text == root or text.startswith(root + "/"):
            return root
    return None


def _stat(path: Path) -> os.stat_result | None:
    """``os.stat`` or None: a name too long or a file in the way only mean "not there"."""
    try:
        return os.stat(path)
    except (OSError, ValueError):
        return None


def _nearest_existing(path: Path) -> Path:
    """``path`` or its closest ancestor that exists (at worst the root)."""
    path = Path(os.path.abspath(path))
    while _stat(path) is None and path != path.parent:
        path = path.parent
    return path


def _folder_of(path: Path) -> Path:
    """The existing folder a write to ``path`` lands in."""
    near = _nearest_existing(path)
    return near if near.is_dir() else near.parent


def _not_a_folder(path: Path) -> Path | None:
    """The first part of ``path`` (itself included) that exists but is not a folder."""
    current = Path(os.path.abspath(path))
    for parent in [*reversed(current.parents), current]:
        st = _stat(parent)
        if st is not None and not stat.S_ISDIR(st.st_mode):
            return parent
    return None


def _longest_name(path: Path) -> tuple[str, int]:
    """The longest component of ``path`` and its length in bytes."""
    names = [part for part in Path(path).parts if part not in ("/", "")] or [str(path)]
    longest = max(names, key=lambda n: len(os.fsencode(n)))
    return longest, len(os.fsencode(longest))


def _name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):  # not on POSIX, or no answer
        return _NAME_MAX


def _size_limit() -> int | None:
    """The soft file-size limit of this process in bytes (``ulimit -f``), or None if none."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on POSIX
        return None
    soft = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    return None if soft == resource.RLIM_INFINITY else int(soft)


def _free_bytes(folder: Path) -> int | None:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def _size(n: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    raise AssertionError("unreachable")


# errno -> (the cause, the fix) in words; {folder}, {path} and {parent} are filled in.
_PLAIN = {
    errno.EROFS: (
        "the file system holding {folder} is read-only",
        "write to a folder on a writable file system",
    ),
    errno.EACCES: (
        "permission denied: {folder} is not writable by this user",
        "make it writable (`chmod u+w {folder}`)",
    ),
    errno.EDQUOT: (
        "the disk quota for this user on {folder} is used up",
        "free some space within the quota (`quota -s` shows it)",
    ),
    errno.EISDIR: ("{path} is a folder, where a file should go", "move that folder away"),
    errno.ENOENT: (
        "a folder on the way to it does not exist ({folder} is the last that does)",
        "create it (`mkdir -p {parent}`)",
    ),
    errno.EMFILE: ("too many files are open", "raise the limit (`ulimit -n 4096`)"),
    errno.EIO: (
        "an input/output error: the disk or its connection failed",
        "check the device (`dmesg` tells more)",
    ),
}
_PLAIN[errno.EPERM] = _PLAIN[errno.EACCES]
_PLAIN[errno.ENFILE] = _PLAIN[errno.EMFILE]


def _no_space(path: Path, folder: Path) -> tuple[str, str]:
    free = _free_bytes(folder)
    left = f" ({_size(free)} free)" if free is not None else ""
    return (
        f"no space left on the device holding {folder}{left}",
        f"free some space there (`df -h {folder}` shows the device)",
    )


def _too_large(path: Path, folder: Path) -> tuple[str, str]:
    limit = _size_limit()
    if limit is not None:
        return (
            f"the file would be larger than this process may write: the file-size limit "
            f"(`ulimit -f`) is {_size(limit)}",
            "raise the limit in the shell that starts d2lkit (`ulimit -f unlimited`)",
        )
    return (
        "the file is larger than the file system allows (FAT32, for one, stops at 4 GiB)",
        "write to a file system that takes large files (ext4, xfs, APFS, NTFS)",
    )


def _name_too_long(path: Path, folder: Path) -> tuple[str, str]:
    name, length = _longest_name(path)
    shown = name if len(name) <= 40 else f"{name[:24]}...{name[-12:]}"
    limit = _name_max(folder)
    if length > limit:
        cause = f"the name {shown!r} is {length} bytes long; this file system allows {limit}"
    else:
        cause = f"the path is {len(os.fsencode(str(path)))} bytes long, more than allowed"
    return cause, "choose a shorter name or a folder with a shorter path"


_SPECIAL = {errno.ENOSPC: _no_space, errno.EFBIG: _too_large, errno.ENAMETOOLONG: _name_too_long}


def _cause_and_fix(error: OSError, path: Path, elsewhere: str) -> tuple[str, str]:
    """The cause in words and what to do, for a write to ``path`` that failed with ``error``."""
    number = error.errno
    other = f"; or {elsewhere}" if elsewhere else ""
    virtual = _virtual_root(path)
    if virtual is not None:
        return (
            f"{virtual} is a virtual file system of the kernel: nothing can be stored there",
            "choose a folder on a disk: "
            + (elsewhere or "one under your home folder, for instance"),
        )
    folder = _folder_of(path)
    blocker = _not_a_folder(path) if number in (errno.ENOTDIR, errno.EEXIST) else None
    if number == errno.ENOTDIR or blocker is not None:
        where = f"{blocker} is a file, not a folder" if blocker else "a part of it is not a folder"
        return where, f"move or delete {blocker or 'that file'}{other}"
    if number in _SPECIAL:
        cause, fix = _SPECIAL[number](path, folder)
        return cause, fix + other
    if number in _PLAIN:
        cause, fix = (
            text.format(folder=folder, path=path, parent=Path(path).parent)
            for text in _PLAIN[number]
        )
        return cause, fix + other
    if number is None:  # an OSError raised by hand: its own words are all there is
        cause = str(error) or "the write failed"
    else:
        name = errno.errorcode.get(number, "")
        cause = f"{os.strerror(number)}{f' ({name})' if name else ''}"
    return cause, f"check {folder} and the space and permissions there{other}"


def write_error(
    exc: OSError | WriteError,
    path: str | os.PathLike[str],
    *,
    action: str = "write",
    elsewhere: str = "",
) -> WriteError:
    """The :class:`WriteError` for ``exc``, raised while writing ``path``.

    Args:
        exc: the ``OSError`` the write raised (a :class:`WriteError` is returned as it is).
        path: what was being written (the final name, not a temporary one).
        action: the verb of the message: "cannot {action} {path}: {cause}".
        elsewhere: another way out, added to the fix ("choose another data
            directory with --data-dir or $D2LKIT_DATA").
    """
    if isinstance(exc, WriteError):
        return exc
    path = Path(path)
    cause, fix = _cause_and_fix(exc, path, elsewhere)
    return WriteError(f"cannot {action} {path}: {cause}", fix, path=path, cause=cause, os_error=exc)


@contextlib.contextmanager
def explained_writes(
    path: str | os.PathLike[str],
    *,
    action: str = "write",
    elsewhere: str = "",
    retarget: bool = False,
) -> Iterator[None]:
    """Within the block, an ``OSError`` becomes one :class:`WriteError` about ``path``.

    Wrap the writes only: the block's ``OSError`` is taken to be a write's.
    ``action`` and ``elsewhere`` as in :func:`write_error`. With ``retarget``,
    a :class:`WriteError` from within (about a temporary work folder, say) is
    told again about ``path``, the name the user knows.
    """
    try:
        yield
    except WriteError as exc:
        if not retarget:
            raise
        raise write_error(exc.os_error, path, action=action, elsewhere=elsewhere) from None
    except OSError as exc:
        raise write_error(exc, path, action=action, elsewhere=elsewhere) from None


def probe_write_failure(path: str | os.PathLike[str], written: int | None = None) -> int | None:
    """The errno a failed write to ``path`` most likely met, found by looking; else None.

    For writers that lose the errno (``torch.save`` raises a bare
    ``RuntimeError``): ``written`` bytes (default: the size of ``path`` now)
    at the file-size limit means ``EFBIG``; a read-only file system ``EROFS``;
    no free space ``ENOSPC``.
    """
    path = Path(path)
    if written is None:
        try:
            written = path.stat().st_size
        except OSError:
            written = None
    limit = _size_limit()
    if limit is not None and written is not None and written >= limit:
        return errno.EFBIG
    folder = _folder_of(path)
    try:
        stats = os.statvfs(folder)
    except (OSError, AttributeError):
        return None
    if stats.f_flag & getattr(os, "ST_RDONLY", 1):
        return errno.EROFS
    if stats.f_bavail == 0:
        return errno.ENOSPC
    return None
