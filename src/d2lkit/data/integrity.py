"""Verification: a file (or extracted folder) is used only if it is what the catalog lists.

A file passes if its bytes match the catalog's checksum (or a known copy's;
a ``sha256-prefix`` checksum, torch.hub's check of pretrained weights, is met
by a sha256 that starts with it);
a ``.gz`` file that was re-compressed, or an unpacked copy of one, passes by
the checksum of its content, decompressed as a bounded stream (never whole in
memory, never past :data:`MAX_GZIP_RATIO`). The verdict is remembered
(:class:`~d2lkit.data.verdicts.Verdicts`) so a big file is hashed once.
"""

from __future__ import annotations

import hashlib
import logging
import zlib
from dataclasses import dataclass
from pathlib import Path

from d2lkit.data.catalog import DataFile, fetch_command
from d2lkit.data.idx import check_idx_header
from d2lkit.data.tree import digest, verify_tree
from d2lkit.data.verdicts import Verdicts
from d2lkit.errors import DataError

__all__ = ["MAX_GZIP_RATIO", "verify", "verify_uncached"]

log = logging.getLogger(__name__)

MAX_GZIP_RATIO = 32  # a .gz may decompress to at most this many times its size (IDX: < 5)
_CHUNK = 1 << 20  # 1 MiB per read while hashing or decompressing
_HEAD = 64  # bytes of content kept for header checks


def _mismatch(
    path: Path, entry: DataFile, what: str, expected: str, actual: str, also: str = ""
) -> DataError:
    return DataError(
        f"{path} failed verification: {what} is {actual}, expected {expected}"
        + (f"; {also}" if also else ""),
        fix=(
            "the file is damaged or not the one the catalog lists: delete it and run "
            f"{fetch_command(entry)}, or point --data-dir / $D2LKIT_DATA at a good copy"
        ),
    )


@dataclass(frozen=True)
class _Content:
    """What verification needs of a file's content, read in one bounded pass."""

    sha256: str
    head: bytes  # the first bytes, for header checks
    size: int


def _content(path: Path, entry: DataFile, gzipped: bool) -> _Content:
    """The content's sha256, head and size, decompressed on the fly if ``gzipped``.

    Never more than 1 MiB is held at once, and a ``.gz`` may not decompress to
    more than :data:`MAX_GZIP_RATIO` times its size (a gzip bomb stops there).
    """
    h = hashlib.sha256()
    head = bytearray()
    size = 0
    limit = MAX_GZIP_RATIO * path.stat().st_size + _CHUNK if gzipped else None

    def take(block: bytes) -> None:
        nonlocal size
        size += len(block)
        if limit is not None and size > limit:
            raise DataError(
                f"{path} decompresses to more than {limit} bytes ({MAX_GZIP_RATIO} times its "
                "size): it is not the file the catalog lists",
                fix=f"delete it and run {fetch_command(entry)}",
            )
        h.update(block)
        if len(head) < _HEAD:
            head.extend(block[: _HEAD - len(head)])

    inflate = zlib.decompressobj(wbits=31)  # 31: a gzip header
    with path.open("rb") as f:
        while raw := f.read(_CHUNK):
            if not gzipped:
                take(raw)
                continue
            try:
                while raw and not inflate.eof:
                    take(inflate.decompress(raw, _CHUNK))
                    raw = inflate.unconsumed_tail
            except zlib.error as exc:
                raise DataError(
                    f"{path} is not a valid gzip file ({exc})",
                    fix=f"delete it and run {fetch_command(entry)}",
                ) from None
            if inflate.eof:
                break
    if gzipped and not inflate.eof:
        raise DataError(
            f"{path} is a truncated gzip file ({path.stat().st_size} bytes on disk)",
            fix=f"delete it and run {fetch_command(entry)}",
        )
    return _Content(h.hexdigest(), bytes(head), size)


def _check_content(path: Path, content: _Content, entry: DataFile) -> None:
    if entry.format == "idx":
        try:
            check_idx_header(content.head, str(path), size=content.size)
        except DataError as exc:  # the same problem, with this data set's fetch command
            raise DataError(exc.message, fix=f"delete it and run {fetch_command(entry)}") from None
    if entry.content_sha256 is None:
        log.warning("%s: structure checked; the catalog has no checksum of its content", path)
        return
    if content.sha256 != entry.content_sha256:
        raise _mismatch(path, entry, "sha256 of its content", entry.content_sha256, content.sha256)


_PREFIX = "-prefix"  # "sha256-prefix:dcbb9e9d": only the leading digits are known (torch.hub's)


def _served_mismatch(path: Path, entry: DataFile) -> tuple[str, str, str] | None:
    """None if the bytes match any accepted checksum; else (algorithm, expected, actual).

    A ``<algorithm>-prefix`` checksum matches a digest that starts with it.
    """
    digests: dict[str, str] = {}
    for checksum in entry.checksums:
        algorithm, expected = checksum.split(":", 1)
        hash_name = algorithm.removesuffix(_PREFIX)
        if hash_name not in digests:
            digests[hash_name] = digest(path, hash_name)
        actual = digests[hash_name]
        if actual == expected or (algorithm.endswith(_PREFIX) and actual.startswith(expected)):
            return None
    algorithm, expected = entry.checksum.split(":", 1)
    if entry.also_accepted:
        expected += f" (or a known copy: {', '.join(entry.also_accepted)})"
    return algorithm, expected, digests[algorithm.removesuffix(_PREFIX)]


def verify_uncached(path: Path, entry: DataFile, packed: bool) -> None:
    """Check ``path`` against ``entry`` now, ignoring remembered verdicts."""
    if path.is_dir():
        verify_tree(path, entry)
        return
    if packed or not entry.is_gzip:
        mismatch = _served_mismatch(path, entry)
        if mismatch is None:
            return  # byte-identical to the official download (or a known copy)
        algorithm, expected, actual = mismatch
        if not (entry.is_gzip and packed):
            raise _mismatch(path, entry, algorithm, expected, actual)
        try:  # perhaps re-compressed: judge what is inside
            content = _content(path, entry, gzipped=True)
        except DataError as exc:
            raise _mismatch(path, entry, algorithm, expected, actual, also=exc.message) from None
        if entry.content_sha256 is None:
            _check_content(path, content, entry)  # say what is wrong, if the structure can
            raise _mismatch(path, entry, algorithm, expected, actual)
    else:
        content = _content(path, entry, gzipped=False)  # an unpacked copy of a .gz download
    _check_content(path, content, entry)


def verify(path: Path, entry: DataFile, *, use_cache: bool = True) -> None:
    """Raise :class:`DataError` unless ``path`` holds exactly what ``entry`` describes."""
    verdicts = Verdicts()
    if use_cache and verdicts.passed(path, entry):
        return
    verify_uncached(path, entry, packed=path.name.endswith(".gz"))
    verdicts.remember(path, entry)
