"""Remembered verdicts: a file that passed verification is not hashed again until it changes.

The verdicts live in a small JSON file in :func:`~d2lkit.data.paths.cache_dir`,
keyed by the file's resolved path.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from d2lkit.atomic import write_text_atomic
from d2lkit.data.catalog import DataFile
from d2lkit.data.paths import cache_dir
from d2lkit.data.tree import tree_files

__all__ = ["Verdicts"]

log = logging.getLogger(__name__)


class Verdicts:
    """A small JSON file remembering which files passed, keyed by path, size and mtime."""

    def __init__(self) -> None:
        self.path = cache_dir() / "verified.json"

    def _load(self) -> dict[str, dict[str, object]]:
        try:
            return json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}

    @staticmethod
    def _stamp(path: Path, entry: DataFile) -> dict[str, object]:
        if path.is_dir():  # a folder: its files' count, total size and newest change
            stats = [(path / rel).stat() for rel in tree_files(path, entry)]
            return {
                "files": len(stats),
                "size": sum(st.st_size for st in stats),
                "mtime_ns": max((st.st_mtime_ns for st in stats), default=0),
                "checksum": entry.checksum,
            }
        st = path.stat()
        return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "checksum": entry.checksum}

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
