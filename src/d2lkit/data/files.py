"""Decoding verified files, with a message a learner can act on when that fails.

A checksum proves a file is the one the catalog lists; these helpers cover the
files a user brings (their own CSV, a copy in another encoding, a file read
with a reader it was not made for): each failure names the file, the problem
and the fix.
"""

from __future__ import annotations

import io
import os
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from d2lkit.data.catalog import refetch_hint
from d2lkit.errors import DataError

if TYPE_CHECKING:  # pandas is imported when a CSV is read: the image data sets never need it
    import pandas as pd

__all__ = ["decode_text", "read_bytes", "read_csv", "read_text", "require_columns"]


def _refetch(path: str | os.PathLike[str]) -> str:
    return f"fetch it again ({refetch_hint(path)})"


def read_bytes(path: Path, gzipped: bool | None = None) -> bytes:
    """The content of a data file, decompressed if ``gzipped`` (default: its name ends in .gz)."""
    raw = path.read_bytes()
    if not (path.name.endswith(".gz") if gzipped is None else gzipped):
        return raw
    try:
        return zlib.decompress(raw, wbits=31)  # 31: gzip header; faster than gzip.open
    except zlib.error as exc:
        if "incomplete or truncated" in str(exc):
            problem = f"is a truncated gzip file ({len(raw)} bytes on disk)"
        else:
            problem = f"is not a valid gzip file ({exc})"
        raise DataError(
            f"{path} {problem}",
            fix=f"delete it and {_refetch(path)}",
        ) from None


def decode_text(data: bytes, name: str | os.PathLike[str]) -> str:
    """UTF-8 bytes to text; other bytes give the offset and value of the first bad one."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 4].hex(" ")
        raise DataError(
            f"{name} is not UTF-8 text: byte {exc.start} (0x{bad}) {exc.reason}; it was "
            "saved in another encoding (latin-1, cp1252, GBK, UTF-16, ...) or is damaged",
            fix=(
                f"{_refetch(name)}, or convert it to UTF-8 (e.g. `iconv -f LATIN1 -t UTF-8 "
                "in.txt > out.txt`)"
            ),
        ) from None


def read_text(path: Path) -> str:
    """A UTF-8 text file as one string; a file in another encoding gives a clear error."""
    return decode_text(Path(path).read_bytes(), path)


def require_columns(
    frame: pd.DataFrame, columns: Iterable[str], name: str | os.PathLike[str]
) -> pd.DataFrame:
    """``frame`` unchanged if it has every one of ``columns``; else name the missing ones."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        shown = ", ".join(map(str, frame.columns[:8])) + (", ..." if frame.shape[1] > 8 else "")
        raise DataError(
            f"{name} lacks the column(s) {', '.join(missing)} (it has {frame.shape[1]}: {shown})",
            fix=f"check it is the right file, with its header line intact, or {_refetch(name)}",
        )
    return frame


def read_csv(path: Path, columns: Iterable[str] = (), **kwargs: object) -> pd.DataFrame:
    """A CSV file as a DataFrame that has at least ``columns``; failures name the file."""
    text = read_text(path)  # decode first: a wrong encoding gets its own message
    import pandas as pd

    try:
        frame = pd.read_csv(io.StringIO(text), **kwargs)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise DataError(
            f"{path} is not a readable CSV file ({exc})",
            fix=f"check it is the right file, or {_refetch(path)}",
        ) from None
    return require_columns(frame, columns, path)
