"""Removing what interrupted work left behind: partial downloads and temporary folders.

A download killed mid-way leaves ``name.part``; an extraction, a work folder
``.name.<pid>-<random>.tmp``; an atomic write (:mod:`d2lkit.atomic`),
``.name.<pid>.tmp``; a process killed while it held a lock, ``.name.lock``.
None of them is ever mistaken for data, but they take
space. :func:`clean_stale` removes those of a folder that are older than the
current run, and never one still in use: a ``.part`` whose download lock is
held, or a ``.tmp`` of a process that is still alive, stays.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import time
from pathlib import Path

from d2lkit.data.lock import held_elsewhere, remove_if_free

__all__ = ["clean_stale", "process_start_time"]

log = logging.getLogger(__name__)

_IMPORTED = time.time()  # fallback for the start of this process
# .name.<pid>.tmp (d2lkit.atomic) and .name.<pid>-<random>.tmp (extraction work folders)
_PID_TMP = re.compile(r"^\..+\.(\d+)(?:-[^.]*)?\.tmp$")


def process_start_time() -> float:
    """When this process started (POSIX time): from /proc on Linux, else when d2lkit loaded."""
    try:
        stat = Path("/proc/self/stat").read_text()
        ticks = int(stat.rsplit(")", 1)[1].split()[19])  # field 22: start, in ticks since boot
        boot = next(
            int(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return _IMPORTED


def _is_temporary(name: str) -> bool:
    return name.endswith(".part") or (name.startswith(".") and name.endswith((".tmp", ".lock")))


def _newest_change(path: Path) -> float:
    """The newest mtime in ``path`` (a file, or a folder and everything in it)."""
    newest = path.lstat().st_mtime
    if path.is_dir() and not path.is_symlink():
        for dirpath, dirnames, filenames in os.walk(path):
            for name in dirnames + filenames:
                with contextlib.suppress(OSError):
                    newest = max(newest, os.lstat(os.path.join(dirpath, name)).st_mtime)
    return newest


def _in_use(path: Path) -> bool:
    if path.name.endswith(".part"):
        return held_elsewhere(path.with_name(path.name[: -len(".part")]))
    match = _PID_TMP.match(path.name)
    if match and int(match.group(1)) != os.getpid():
        try:
            os.kill(int(match.group(1)), 0)
        except ProcessLookupError:
            return False
        except OSError:
            return True  # alive, another user's
        return True
    return False


def clean_stale(folder: str | os.PathLike[str], older_than: float | None = None) -> list[Path]:
    """Remove the temporary leftovers at the top of ``folder``; return what was removed.

    Only ``*.part`` files, ``.*.tmp`` files or folders and ``.*.lock`` files
    whose newest change is before ``older_than`` (POSIX time; default: when
    this process started) are removed, and only if no live process still uses
    them.
    """
    folder = Path(folder)
    cutoff = min(process_start_time(), _IMPORTED) if older_than is None else older_than
    removed = []
    try:
        items = sorted(folder.iterdir())
    except OSError:
        return []
    for item in items:
        if not _is_temporary(item.name):
            continue
        try:
            if _newest_change(item) >= cutoff or _in_use(item):
                continue
            if item.name.endswith(".lock"):
                if not remove_if_free(item):
                    continue
            elif item.is_dir() and not item.is_symlink():
                shutil.rmtree(item)
            else:
                item.unlink()
        except OSError as exc:  # read-only or vanished: it only costs space
            log.debug("cannot remove %s: %s", item, exc)
            continue
        removed.append(item)
    if removed:
        log.info("removed %d stale temporary file(s) in %s", len(removed), folder)
    return removed
