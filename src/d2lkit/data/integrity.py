"""Verification: a file (or extracted folder) is used only if it is what the catalog lists.

A file passes if its bytes match the catalog's checksum (or a known copy's);
a ``.gz`` file that was re-compressed, or an unpacked copy of one, passes by
the checksum of its content. The verdict is remembered
(:class:`~d2lkit.data.verdicts.Verdicts`) so a big file is hashed once.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from d2lkit.data.catalog import DataFile
from d2lkit.data.files import read_bytes
from d2lkit.data.idx import check_idx_header
from d2lkit.data.tree import digest, verify_tree
from d2lkit.data.verdicts import Verdicts
from d2lkit.errors import DataError

__all__ = ["verify", "verify_uncached"]

log = logging.getLogger(__name__)


def _mismatch(path: Path, what: str, expected: str, actual: str) -> DataError:
    return DataError(
        f"{path} failed verification: {what} is {actual}, expected {expected}",
        fix=(
            "the file is damaged or not the one the catalog lists: delete it and run "
            "`d2lkit data fetch NAME`, or point --data-dir / $D2LKIT_DATA at a good copy"
        ),
    )


def _check_content(path: Path, content: bytes, entry: DataFile) -> None:
    if entry.format == "idx":
        check_idx_header(content, str(path))
    if entry.content_sha256 is None:
        log.warning("%s: structure checked; the catalog has no checksum of its content", path)
        return
    actual = hashlib.sha256(content).hexdigest()
    if actual != entry.content_sha256:
        raise _mismatch(path, "sha256 of its content", entry.content_sha256, actual)


def _served_mismatch(path: Path, entry: DataFile) -> tuple[str, str, str] | None:
    """None if the bytes match any accepted checksum; else (algorithm, expected, actual)."""
    digests: dict[str, str] = {}
    for checksum in entry.checksums:
        algorithm, expected = checksum.split(":", 1)
        if algorithm not in digests:
            digests[algorithm] = digest(path, algorithm)
        if digests[algorithm] == expected:
            return None
    algorithm, expected = entry.checksum.split(":", 1)
    if entry.also_accepted:
        expected += f" (or a known copy: {', '.join(entry.also_accepted)})"
    return algorithm, expected, digests[algorithm]


def verify_uncached(path: Path, entry: DataFile, packed: bool) -> None:
    if path.is_dir():
        verify_tree(path, entry)
        return
    if packed or not entry.is_gzip:
        mismatch = _served_mismatch(path, entry)
        if mismatch is None:
            return  # byte-identical to the official download (or a known copy)
        algorithm, expected, actual = mismatch
        if not (entry.is_gzip and packed):
            raise _mismatch(path, algorithm, expected, actual)
        content = read_bytes(path, gzipped=True)  # re-compressed: judge what is inside
        if entry.content_sha256 is None:
            _check_content(path, content, entry)  # say what is wrong, if the structure can
            raise _mismatch(path, algorithm, expected, actual)
    else:
        content = path.read_bytes()  # an unpacked copy of a .gz download
    _check_content(path, content, entry)


def verify(path: Path, entry: DataFile, *, use_cache: bool = True) -> None:
    """Raise :class:`DataError` unless ``path`` holds exactly what ``entry`` describes."""
    verdicts = Verdicts()
    if use_cache and verdicts.passed(path, entry):
        return
    verify_uncached(path, entry, packed=path.name.endswith(".gz"))
    verdicts.remember(path, entry)
