"""Installing an archive as a folder: extracted safely, then moved into place.

An archive holding one top folder (macOS ``__MACOSX`` debris aside) has that
folder's content installed. The folder's tree digest is recorded beside it
(:func:`~d2lkit.data.tree.write_manifest`) so it is verified like a file.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

from d2lkit.data.archive import extract_archive
from d2lkit.data.catalog import DataFile
from d2lkit.data.paths import ENV_DATA
from d2lkit.data.tree import write_manifest
from d2lkit.data.verdicts import Verdicts
from d2lkit.errors import DataError

__all__ = ["unpack"]

log = logging.getLogger(__name__)


def _install(source: Path, folder: Path) -> None:
    """Move each top-level entry of ``source`` into ``folder``, replacing what is there."""
    folder.mkdir(parents=True, exist_ok=True)
    for child in source.iterdir():
        dest = folder / child.name
        if dest.is_dir() and not dest.is_symlink():
            shutil.rmtree(dest)
        elif dest.exists() or dest.is_symlink():
            dest.unlink()
        os.replace(child, dest)


def unpack(entry: DataFile, archive: Path, folder: Path) -> Path:
    """Extract a verified archive into its folder and record the folder's tree digest.

    An archive holding one top folder (macOS ``__MACOSX`` debris aside) has that
    folder's content installed.
    """
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{entry.name}.", suffix=".tmp"))
    except OSError as exc:
        raise DataError(
            f"cannot extract {archive} into {folder}: {exc.strerror}",
            fix=f"choose a writable data directory with --data-dir or ${ENV_DATA}",
        ) from None
    try:
        source = extract_archive(archive, work / "x")
        shutil.rmtree(source / "__MACOSX", ignore_errors=True)
        children = list(source.iterdir())
        if len(children) == 1 and children[0].is_dir() and not children[0].is_symlink():
            source = children[0]
        _install(source, folder)
    except OSError as exc:
        raise DataError(
            f"cannot extract {archive} into {folder}: {exc}",
            fix="check the disk space and permissions of the data directory",
        ) from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    write_manifest(folder, entry)
    Verdicts().remember(folder, entry)
    log.info("extracted %s into %s", archive, folder)
    return folder
