"""Remembered verdicts: a file that passed verification is not hashed again until it changes.

The verdicts live in a small JSON file in :func:`~d2lkit.data.paths.cache_dir`,
keyed by the file's resolved path. A verdict holds the file's size, mtime,
inode and ctime, and a sha256 of three 64 KiB samples (start, middle, end).
Size and mtime alone miss a file damaged in place with its mtime put back
(``os.utime``); the ctime changes with any write and cannot be set by users,
and the samples catch a copy that kept all the stamps.

The cache is only a shortcut, so it never breaks a run: what is read back is
checked against what :meth:`Verdicts.remember` writes (an object of stamps,
each field of its type), and a file of another shape (a list, wrong-typed
fields, not JSON at all) is ignored with one warning and rebuilt, which costs
one re-check of each file. A cache that cannot be written is said once too.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

from d2lkit.atomic import write_text_atomic
from d2lkit.data.catalog import DataFile
from d2lkit.data.paths import ENV_CACHE, cache_dir
from d2lkit.data.tree import tree_files
from d2lkit.write_errors import WriteError

__all__ = ["Verdicts", "sampled_sha256"]

log = logging.getLogger(__name__)

_SAMPLE = 64 * 1024  # bytes read at each of three places of a file for its verdict
_WARNED: set[str] = set()  # verdict files this process could not write, warned about once


def sampled_sha256(path: Path) -> str:
    """sha256 of a file's first, middle and last 64 KiB: cheap, whatever the file's size."""
    h = hashlib.sha256()
    size = path.stat().st_size
    with path.open("rb") as f:
        for offset in sorted({0, max(0, size // 2 - _SAMPLE // 2), max(0, size - _SAMPLE)}):
            f.seek(offset)
            h.update(f.read(_SAMPLE))
    return h.hexdigest()


# The fields of a stamp as remember() writes them: of a file, or of a folder.
_INT, _STR, _PAIR = "an int", "a str", "a list of 2 ints"
_FILE_STAMP = {
    "size": _INT,
    "mtime_ns": _INT,
    "ctime_ns": _INT,
    "inode": _PAIR,
    "sample": _STR,
    "checksum": _STR,
}
_FOLDER_STAMP = {
    "files": _INT,
    "size": _INT,
    "mtime_ns": _INT,
    "ctime_ns": _INT,
    "inodes": _STR,
    "checksum": _STR,
}


def _json_type(value: object) -> str:
    return {dict: "object", list: "list", str: "string", bool: "boolean"}.get(
        type(value), "number" if isinstance(value, int | float) else "null"
    )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _has_type(value: object, kind: str) -> bool:
    if kind == _INT:
        return _is_int(value)
    if kind == _STR:
        return isinstance(value, str)
    return isinstance(value, list) and len(value) == 2 and all(_is_int(v) for v in value)


def _stamp_problem(stamp: object) -> str | None:
    """What is wrong with one remembered stamp, in words; None if it has the written shape."""
    if not isinstance(stamp, dict):
        return f"is {stamp!r} (a {type(stamp).__name__}), expected an object"
    fields = _FOLDER_STAMP if "files" in stamp else _FILE_STAMP
    for name, kind in fields.items():
        if name not in stamp:
            return f"has no field {name!r}: {name} is missing"
        value = stamp[name]
        if not _has_type(value, kind):
            return f"has {name} is {value!r} (a {type(value).__name__}), expected {kind}"
    extra = sorted(set(stamp) - set(fields))
    if extra:
        return f"has fields d2lkit does not write: {', '.join(map(str, extra))}"
    return None


def _warn_once(path: Path, message: str) -> None:
    """One warning per cache file and process: a broken cache is said, not repeated."""
    if str(path) not in _WARNED:
        _WARNED.add(str(path))
        log.warning("%s", message)


class Verdicts:
    """A small JSON file remembering which files passed, and the stamp they had then."""

    def __init__(self) -> None:
        self.path = cache_dir() / "verified.json"

    def _load(self) -> dict[str, dict[str, object]]:
        """The remembered stamps; anything not of the shape written is left out, said once."""
        try:
            text = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            _warn_once(self.path, f"cannot read {self.path} ({exc.strerror}); it is ignored")
            return {}
        try:
            saved = json.loads(text)
        except ValueError:  # UnicodeDecodeError too
            _warn_once(self.path, f"{self.path} is not valid JSON; it is ignored and rebuilt")
            return {}
        if not isinstance(saved, dict):
            _warn_once(
                self.path,
                f"{self.path} holds a JSON {_json_type(saved)}, not the object d2lkit writes; "
                "it is ignored and rebuilt",
            )
            return {}
        kept: dict[str, dict[str, object]] = {}
        for key, stamp in saved.items():
            problem = _stamp_problem(stamp)
            if problem is None:
                kept[key] = stamp
            else:
                _warn_once(
                    self.path,
                    f"{self.path}: the verdict for {key} {problem}; it is dropped, and the "
                    "file checked again",
                )
        return kept

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
        """Record that ``path`` passed; a cache that cannot be written only costs a re-check."""
        verdicts = self._load()
        verdicts[str(path.resolve())] = self._stamp(path, entry)
        try:
            write_text_atomic(
                self.path,
                json.dumps(verdicts, indent=0, sort_keys=True),
                elsewhere=f"set ${ENV_CACHE} to a writable folder",
            )
        except WriteError as exc:  # said once per process: the run goes on, unremembered
            _warn_once(
                self.path,
                f"{exc.message}; verified files are checked again next time (fix: {exc.fix})",
            )
