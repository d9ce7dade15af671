"""Downloading one file: streamed to ``name.part``, verified, then renamed into place.

An interrupted download never leaves a file that looks complete. Each URL gets
a few tries with backoff; a missing file moves on to the next URL at once.
"""

from __future__ import annotations

import contextlib
import http.client
import logging
import os
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from d2lkit.data.catalog import DataFile
from d2lkit.data.integrity import verify_uncached
from d2lkit.data.paths import ENV_DATA
from d2lkit.data.verdicts import Verdicts
from d2lkit.errors import DataError, DownloadError

__all__ = ["download"]

log = logging.getLogger(__name__)

_CHUNK = 1 << 20  # 1 MiB per read
_USER_AGENT = "d2lkit (https://github.com/d2lkit/d2lkit)"


def _reason(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        exc = exc.reason if isinstance(exc.reason, BaseException) else exc
    if isinstance(exc, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(exc, http.client.IncompleteRead):
        return f"connection closed after {len(exc.partial)} bytes, before the end of the file"
    if isinstance(exc, DataError):
        return exc.message
    return str(exc) or type(exc).__name__


@contextlib.contextmanager
def _progress_bar(enabled: bool, total: int | None, name: str) -> Iterator[object]:
    if not enabled:
        yield None
        return
    from tqdm.auto import tqdm

    with tqdm(total=total, desc=name, unit="B", unit_scale=True, leave=False) as bar:
        yield bar


def _stream(url: str, part: Path, timeout: float, progress: bool) -> None:
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    with urllib.request.urlopen(request, timeout=timeout) as response, part.open("wb") as out:
        total = response.length
        written = 0
        with _progress_bar(progress, total, part.name[: -len(".part")]) as bar:
            while block := response.read(_CHUNK):
                out.write(block)
                written += len(block)
                if bar is not None:
                    bar.update(len(block))
        if total is not None and written != total:
            raise DataError(f"got {written} of {total} bytes")


def download(
    entry: DataFile,
    dest: Path,
    *,
    timeout: float = 30.0,
    retries: int = 3,
    backoff: float = 1.0,
    progress: bool = False,
) -> Path:
    """Download ``entry`` to ``dest`` through ``dest.part``, verified, trying each mirror.

    Each URL gets ``retries`` tries, waiting ``backoff * 2**k`` seconds between
    them; a missing file (HTTP 404/403/410) moves on to the next URL at once.
    """
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(
            f"cannot create {dest.parent}: {exc.strerror}",
            fix=f"choose a writable data directory with --data-dir or ${ENV_DATA}",
        ) from None
    if not entry.urls:
        raise DownloadError(
            f"no download URL is known for {entry.name}",
            fix=f"get it from the data set's source (see `d2lkit data list`) and put it at {dest}",
        )
    part = dest.with_name(dest.name + ".part")
    attempts: list[str] = []
    try:
        for url in entry.urls:
            for attempt in range(1, retries + 1):
                try:
                    _stream(url, part, timeout, progress)
                    verify_uncached(part, entry, packed=entry.is_gzip)
                except (OSError, http.client.HTTPException, DataError) as exc:
                    attempts.append(f"{url} (try {attempt}): {_reason(exc, timeout)}")
                    part.unlink(missing_ok=True)
                    gone = isinstance(exc, urllib.error.HTTPError) and exc.code in (403, 404, 410)
                    if gone or attempt == retries:
                        break
                    time.sleep(backoff * 2 ** (attempt - 1))
                    continue
                os.replace(part, dest)
                Verdicts().remember(dest, entry)
                return dest
    finally:
        part.unlink(missing_ok=True)
    tried = "\n    ".join(attempts)
    raise DownloadError(
        f"could not download {entry.name}; tried:\n    {tried}",
        fix=(
            f"check the network and try again, or download {entry.urls[0]} yourself and "
            f"put it at {dest}"
        ),
    )
