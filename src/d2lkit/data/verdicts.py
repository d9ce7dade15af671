"""Remembered verdicts: a file that passed verification is not hashed again until it changes.

The verdicts live in a small JSON file in :func:`~d2lkit.data.paths.cache_dir`,
keyed by the file's resolved path. A verdict holds the file's size, mtime,
inode and ctime, and a sha256 of three 64 KiB samples (start, middle, end).
Size and mtime alone miss a file damaged in place with its mtime put back
(``os.utime``); the ctime changes with any write and cannot be set by users,
and the samples catch a copy that kept all the stamps.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

from d2lkit.atomic import write_text_atomic
from d2lkit.data.catalog import DataFile
from d2lkit.data.paths import cache_dir
from d2lkit.data.tree import tree_files

__all__ = ["Verdicts", "sampled_sha256"]

log = logging.getLogger(__name__)

_SAMPLE = 64 * 1024  # bytes read at each of three places of a file for its verdict


def sampled_sha256(path: Path) -> str:
    """sha256 of a file's first, middle and last 64 KiB: cheap, whatever the file's size."""
    h = hashlib.sha256()
    size = path.stat().st_size
    with path.open("rb") as f:
        for offset in sorted({0, max(0, size // 2 - _SAMPLE // 2), max(0, size - _SAMPLE)}):
            f.seek(offset)
            h.update(f.read(_SAMPLE))
    return h.hexdigest()


class Verdicts:
    """A small JSON file remembering which files passed, and the stamp they had then."""

    def __init__(self) -> None:
        self.path = cache_dir() / "verified.json"

    def _load(self) -> dict[str, dict[str, object]]:
        try:
            return json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}

    @staticmethod
    def _stamp(path: Path, entry: DataFile) -> dict[str, object]:
        if path.is_dir():  # a folder: its files' count, total size, newest changes, inodes
            stats = [(path / rel).stat() for rel in tree_files(path, entry)]
            inodes = hashlib.sha256(" ".join(str(st.st_ino) for st in stats).encode())
            return {
                "files": len(stats),
                "size": sum(st.st_size for st in stats),
                "mtime_ns": max((st.st_mtime_ns for st in stats), default=0),
                "ctime_ns": max((st.st_ctime_ns for st in stats), default=0),
                "inodes": inodes.hexdigest(),
                "checksum": entry.checksum,
            }
        st = os.stat(path)
        return {
            "size": st.st_size,
            "mtime_ns": st.st_mtime_ns,
            "ctime_ns": st.st_ctime_ns,
            "inode": [st.st_dev, st.st_ino],
            "sample": sampled_sha256(path),
            "checksum": entry.checksum,
        }

    def passed(self, path: Path, entry: DataFile) -> bool:
        return self._load().get(str(path.resolve())) == self._stamp(path, entry)

    def remember(self, path: Path, entry: DataFile) -> None:
        verdicts = self._load()
        verdicts[str(path.resolve())] = self._stamp(path, entry)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(self.path, json.dumps(verdicts, indent=0, sort_keys=True))
        except OSError as exc:  # a read-only home only costs a re-check next time
            log.debug("cannot remember verdict in %s: %s", self.path, exc)
