"""Installing an archive as a folder, atomically: the old tree stays whole until the swap.

The archive is extracted into a work folder beside the target
(``.<folder>.<pid>-<random>.tmp``), its manifest written there, and only then swapped
in with two renames: the old folder aside (into the work folder), the new one
in. A crash (even ``kill -9``) before the swap leaves the old tree untouched and
a stale work folder that :func:`~d2lkit.data.cleanup.clean_stale` removes; a
crash between the two renames leaves the old tree aside, whole, and
:func:`restore_aside` puts it back. Processes take turns
(:func:`~d2lkit.data.lock.file_lock`).

An archive holding one top folder (macOS ``__MACOSX`` debris aside) has that
folder's content installed. When the archive lives in the folder it unpacks to
(``unpack_to="."``), it is carried over into the new tree (hard-linked, or
copied where links are not possible); other files of the old folder are not.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

from d2lkit.data.archive import extract_archive
from d2lkit.data.catalog import DataFile, fetch_command
from d2lkit.data.integrity import verify
from d2lkit.data.lock import file_lock
from d2lkit.data.paths import ENV_DATA
from d2lkit.data.tree import tree_files, write_manifest
from d2lkit.data.verdicts import Verdicts
from d2lkit.errors import DataError
from d2lkit.write_errors import explained_writes

__all__ = ["restore_aside", "unpack"]

log = logging.getLogger(__name__)

_ASIDE = "old"  # the old tree's name inside a work folder, between the two renames
_ELSEWHERE = f"choose another data directory with --data-dir or ${ENV_DATA}"


def _work_dirs(folder: Path) -> list[Path]:
    return sorted(folder.parent.glob(f".{folder.name}.*.tmp"))


def restore_aside(folder: Path) -> bool:
    """Put back an old tree left aside by a crash in the middle of a swap; True if one was."""
    if folder.exists():
        return False
    for work in _work_dirs(folder):
        if (work / _ASIDE).is_dir():
            os.replace(work / _ASIDE, folder)
            log.warning("restored %s, left aside by an interrupted extraction", folder)
            return True
    return False


def _link_or_copy(source: Path, dest: Path) -> None:
    try:
        os.link(source, dest)
    except OSError:
        shutil.copy2(source, dest)


def _swap(new: Path, folder: Path, work: Path) -> None:
    """Replace ``folder`` by ``new`` with two renames; the old tree goes into ``work``."""
    if not folder.exists():
        os.replace(new, folder)
        return
    aside = work / _ASIDE
    os.replace(folder, aside)
    try:
        os.replace(new, folder)
    except BaseException:
        os.replace(aside, folder)
        raise


def _installed_already(folder: Path, entry: DataFile) -> bool:
    """True if another process installed a good tree while this one waited for the lock."""
    if not (folder.is_dir() and tree_files(folder, entry)):
        return False
    try:
        verify(folder, entry)
    except DataError:
        return False
    return True


def unpack(entry: DataFile, archive: Path, folder: Path) -> Path:
    """Extract a verified archive into ``folder``, atomically, and record its tree digest.

    A failed write anywhere on the way (a full disk, a read-only folder) is one
    :class:`~d2lkit.write_errors.WriteError` about ``folder``, never about the
    work folder it happened in; the old tree stays whole and the work folder goes.
    """
    action = f"extract {archive.name} into"
    with explained_writes(folder, action=action, elsewhere=_ELSEWHERE):
        folder.parent.mkdir(parents=True, exist_ok=True)
    with file_lock(folder, what="extracting into"):
        restore_aside(folder)
        if _installed_already(folder, entry):
            return folder
        with explained_writes(folder, action=action, elsewhere=_ELSEWHERE):
            prefix = f".{folder.name}.{os.getpid()}-"  # the pid: clean_stale spares live work
            work = Path(tempfile.mkdtemp(dir=folder.parent, prefix=prefix, suffix=".tmp"))
        try:
            with explained_writes(folder, action=action, elsewhere=_ELSEWHERE, retarget=True):
                _install(entry, archive, folder, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        Verdicts().remember(folder, entry)
    log.info("extracted %s into %s", archive, folder)
    return folder


def _install(entry: DataFile, archive: Path, folder: Path, work: Path) -> None:
    """Extract ``archive`` into ``work``, record its manifest, then swap it in as ``folder``."""
    try:
        source = extract_archive(archive, work / "x")
    except DataError as exc:  # the same problem, with this data set's fetch command
        if "fetch it again" not in (exc.fix or ""):
            raise
        raise DataError(exc.message, fix=f"delete it and run {fetch_command(entry)}") from None
    shutil.rmtree(source / "__MACOSX", ignore_errors=True)
    children = list(source.iterdir())
    if len(children) == 1 and children[0].is_dir() and not children[0].is_symlink():
        source = children[0]
    new = work / "new"
    os.replace(source, new)
    if archive.parent.resolve() == folder.resolve():  # the archive lives in the tree
        _link_or_copy(archive, new / archive.name)
    write_manifest(new, entry)
    _swap(new, folder, work)
