"""Downloading one file: streamed to ``name.part``, verified, then renamed into place.

An interrupted download never leaves a file that looks complete. What a server
sends is untrusted until verified, so each try is bounded:

- in size: a server sending more than the catalog's size (plus a small
  margin, :data:`SIZE_MARGIN`) is cut off, and its URL is not tried again;
  a file of unknown size may not exceed :data:`MAX_UNKNOWN_SIZE`;
- in time: ``timeout`` bounds each wait for data, and ``deadline`` the whole
  try (default: ``timeout`` plus the size at :data:`MIN_RATE`, so a server
  trickling a byte at a time ends too).

URLs are tried in order: the mirror first (``mirror=`` or ``$D2LKIT_MIRROR``,
with the file name appended), then the catalog's. Only what may pass is tried
again, with backoff: a timeout, a server error (5xx, 429), a transfer cut
short or bytes that fail verification. A URL that cannot be reached at all (no
DNS answer, connection refused, network unreachable) or whose file is not
there (4xx) moves on to the next URL at once; if no URL could be reached,
:class:`Unreachable` says so, so a caller can stop at once instead of trying
every other file of the data set the same way. Processes
that download the same file take turns (:func:`~d2lkit.data.lock.file_lock`):
the second finds the first's verified file and uses it.

Offline is absolute: with ``$D2LKIT_OFFLINE=1`` :func:`download` refuses
before it opens a socket or makes a folder, whoever calls it (a reader, the
command line, the book's ``DATA_HUB``), so no code path can reach a network
that the user turned off.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import http.client
import logging
import math
import os
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from d2lkit.data.catalog import DataFile
from d2lkit.data.integrity import verify, verify_uncached
from d2lkit.data.lock import file_lock
from d2lkit.data.paths import ENV_DATA
from d2lkit.data.verdicts import Verdicts
from d2lkit.errors import ConfigError, DataError, DownloadError
from d2lkit.write_errors import WriteError, explained_writes

__all__ = [
    "ENV_MIRROR",
    "ENV_OFFLINE",
    "LIMITS",
    "MAX_UNKNOWN_SIZE",
    "MIN_RATE",
    "SIZE_MARGIN",
    "Unreachable",
    "check_download_options",
    "download",
    "download_urls",
    "downloads_off",
    "offline_by_env",
    "remembering_unreachable_servers",
]

log = logging.getLogger(__name__)

ENV_MIRROR = "D2LKIT_MIRROR"
ENV_OFFLINE = "D2LKIT_OFFLINE"  # "1": nothing is downloaded, by any code path
_ELSEWHERE = f"choose another data directory with --data-dir or ${ENV_DATA}"
SIZE_MARGIN = 64 * 1024  # bytes a download may exceed the catalog's size by (a re-compressed copy)
MAX_UNKNOWN_SIZE = 4 << 30  # bytes: the most a file of unknown size may be (4 GiB)
MIN_RATE = 32 * 1024  # bytes/s: the slowest average transfer the default deadline allows
_CHUNK = 1 << 20  # 1 MiB per read at most
_USER_AGENT = "d2lkit (https://github.com/d2lkit/d2lkit)"


# The range of each numeric download option, checked before any work: a value outside is a
# ConfigError that names it, not an OverflowError at the first socket (timeout=1e10), a sleep
# of centuries (backoff), or a loop of a billion tries (retries). Units: seconds, tries.
LIMITS: dict[str, tuple[float, float]] = {
    "timeout": (0.1, 86_400.0),  # per wait for data: up to a day
    "retries": (1, 20),  # tries per URL
    "backoff": (0.0, 600.0),  # the first wait between tries
    "deadline": (0.1, 604_800.0),  # per try: up to a week
}
_MAX_WAIT = 3_600.0  # seconds: the longest single wait between two tries (backoff * 2**k)
_URL_SCHEMES = ("http://", "https://", "ftp://", "file://")


_FLAGS = ("timeout", "retries")  # the options the command line has flags for


def _number(name: str, value: object, whole: bool, optional: bool = False) -> float:
    """``value`` if it is a finite number (a whole one if ``whole``) in ``LIMITS[name]``."""
    low, high = LIMITS[name]
    kind = "a whole number" if whole else "a number of seconds"
    kind = f"None or {kind}" if optional else kind
    ok_type = isinstance(value, int) if whole else isinstance(value, int | float)
    finite = ok_type and not isinstance(value, bool) and math.isfinite(value)  # type: ignore[arg-type]
    if not (finite and low <= value <= high):  # type: ignore[operator]
        shown = f"{value:g}" if isinstance(value, float) else repr(value)
        if not ok_type or isinstance(value, bool):
            shown += f" (a {type(value).__name__})"
        raise ConfigError(
            f"{name} must be {kind} from {low:g} to {high:g}, got {shown}",
            fix=f"pass {name}= within that range"
            + (f" (--{name} on the command line)" if name in _FLAGS else ""),
        )
    return float(value)  # type: ignore[arg-type]


def check_download_options(
    *,
    timeout: float = 30.0,
    retries: int = 3,
    backoff: float = 1.0,
    deadline: float | None = None,
    mirror: str | None = None,
) -> None:
    """Refuse download settings out of range before any work, one clear message each.

    ``timeout``, ``backoff`` and ``deadline`` are seconds, ``retries`` tries
    per URL; their ranges are :data:`LIMITS`, and the longest wait between two
    tries (``backoff * 2**(retries-2)``) may not pass an hour. ``mirror`` must
    be a URL (http, https, ftp or file).
    """
    _number("timeout", timeout, whole=False)
    tries = int(_number("retries", retries, whole=True))
    first = _number("backoff", backoff, whole=False)
    if deadline is not None:
        _number("deadline", deadline, whole=False, optional=True)
    if tries >= 2 and first * 2 ** (tries - 2) > _MAX_WAIT:
        raise ConfigError(
            f"with backoff={first:g} and retries={tries}, the last wait would be "
            f"{first:g} * 2**{tries - 2} = {first * 2 ** (tries - 2):.0f} s, more than an hour",
            fix="lower retries or backoff (each wait doubles the one before)",
        )
    if mirror is not None and not mirror.strip().lower().startswith(_URL_SCHEMES):
        raise ConfigError(
            f"the mirror {mirror!r} is not an http(s), ftp or file URL",
            fix="give a base URL such as https://example.org/d2l-data/ (--mirror or "
            f"${ENV_MIRROR}); the file name is appended to it",
        )


def offline_by_env() -> bool:
    """True when ``$D2LKIT_OFFLINE`` turns every download off (1, true, yes or on)."""
    return os.environ.get(ENV_OFFLINE, "").strip().lower() in ("1", "true", "yes", "on")


@contextlib.contextmanager
def downloads_off() -> Iterator[None]:
    """Within: ``$D2LKIT_OFFLINE=1``, so no code path downloads (a run's ``--offline``).

    A run reads more than its data set's files (pretrained vectors and weights
    fetched on first use); the variable reaches every one of them.
    """
    before = os.environ.get(ENV_OFFLINE)
    os.environ[ENV_OFFLINE] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(ENV_OFFLINE, None)
        else:
            os.environ[ENV_OFFLINE] = before


class _TooBig(DataError):
    """The server sent more than the file can be: not worth another try of this URL."""


class _TooSlow(DataError):
    """A try ran past its deadline."""


# Servers (scheme://host:port) found unreachable, and why, in `remembering_unreachable_servers`
_UNREACHABLE: ContextVar[dict[str, str] | None] = ContextVar("_UNREACHABLE", default=None)


@contextlib.contextmanager
def remembering_unreachable_servers() -> Iterator[None]:
    """Within this block a server found unreachable is not asked again.

    For fetching many data sets at once without a network: each server costs
    one failed lookup, not one per file. Outside it nothing is remembered, so a
    long-lived process tries again once the network is back.
    """
    token = _UNREACHABLE.set({})
    try:
        yield
    finally:
        _UNREACHABLE.reset(token)


class Unreachable(DownloadError):
    """No URL of a file could be reached: no DNS answer, no route, no connection, no answer.

    A network problem, not a problem of the file: the other files of its data
    set would fail the same way. ``reason`` says, in a few words, why the first
    URL could not be reached.
    """

    def __init__(self, message: str, fix: str | None = None, *, reason: str = "") -> None:
        super().__init__(message, fix)
        self.reason = reason


# errno values that mean "this machine has no way to that host": not worth a retry
_NO_ROUTE = {
    errno.ENETUNREACH,
    errno.EHOSTUNREACH,
    errno.ENETDOWN,
    errno.EADDRNOTAVAIL,
    errno.ECONNREFUSED,
}


def _not_connected(exc: BaseException) -> bool:
    """True when the request never reached a server (so no HTTP answer came back)."""
    return isinstance(exc, urllib.error.URLError) and not isinstance(exc, urllib.error.HTTPError)


def _no_route(exc: BaseException) -> bool:
    """True for a failure a retry cannot cure: no DNS answer, connection refused, no route."""
    if not _not_connected(exc):
        return False
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, socket.gaierror | ConnectionRefusedError):
        return True
    if isinstance(reason, TimeoutError):
        return False
    return isinstance(reason, OSError) and reason.errno in _NO_ROUTE


def _worth_retrying(exc: BaseException) -> bool:
    """Timeouts, server errors and transfers cut short may pass on another try; nothing else."""
    if isinstance(exc, urllib.error.HTTPError):
        return exc.code >= 500 or exc.code in (408, 429)
    if isinstance(exc, _TooBig):
        return False
    return not _no_route(exc)


def download_urls(entry: DataFile, mirror: str | None = None) -> tuple[str, ...]:
    """Where ``entry`` is tried, in order: the mirror (``mirror`` or ``$D2LKIT_MIRROR``) first."""
    mirror = os.environ.get(ENV_MIRROR) if mirror is None else mirror
    first = (mirror.rstrip("/") + "/" + entry.name,) if mirror else ()
    return tuple(dict.fromkeys((*first, *entry.urls)))


def _size_limit(entry: DataFile) -> int:
    return MAX_UNKNOWN_SIZE if entry.size is None else entry.size + SIZE_MARGIN


def _reason(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        exc = exc.reason if isinstance(exc.reason, BaseException) else exc
    if isinstance(exc, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(exc, socket.gaierror):
        return f"no DNS answer: {exc.strerror or exc}"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, http.client.IncompleteRead):
        return f"connection closed after {len(exc.partial)} bytes, before the end of the file"
    if isinstance(exc, DataError):
        return exc.message
    return str(exc) or type(exc).__name__


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One verifying TLS context per process: loading the CA certificates takes ~0.1-0.5 s,
    which urllib would otherwise pay again for every https URL, even one that cannot resolve."""
    return ssl.create_default_context()


@contextlib.contextmanager
def _progress_bar(enabled: bool, total: int | None, name: str) -> Iterator[Any]:
    if not enabled:
        yield None
        return
    from tqdm.auto import tqdm

    with tqdm(total=total, desc=name, unit="B", unit_scale=True, leave=False) as bar:
        yield bar


def _stream(
    url: str, part: Path, entry: DataFile, timeout: float, deadline: float | None, progress: bool
) -> None:
    """Copy ``url`` into ``part``; stop at the size limit or the try's deadline.

    A failed write (a full disk, ``ulimit -f``, a read-only folder) is a
    :class:`~d2lkit.write_errors.WriteError` about the file being downloaded:
    no other try or URL can cure it.
    """
    start = time.monotonic()
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    dest = part.with_name(part.name[: -len(".part")])  # the name the user knows
    with urllib.request.urlopen(request, timeout=timeout, context=_ssl_context()) as response:
        with explained_writes(dest, elsewhere=_ELSEWHERE):
            out = part.open("wb")
        try:
            _copy_response(response, out, dest, entry, timeout, deadline, progress, start)
        except BaseException:
            with contextlib.suppress(OSError):
                out.close()
            raise
        with explained_writes(dest, elsewhere=_ELSEWHERE):
            out.close()  # flushes the last buffered bytes: a full disk may show only now


def _copy_response(
    response: Any,
    out: Any,
    dest: Path,
    entry: DataFile,
    timeout: float,
    deadline: float | None,
    progress: bool,
    start: float,
) -> None:
    """Copy a response into ``out`` within the size limit and the deadline of one try."""
    limit = _size_limit(entry)
    expected = "an unknown size" if entry.size is None else f"{entry.size} bytes"
    total = response.length
    if total is not None and total > limit:
        raise _TooBig(f"announced {total} bytes, but the catalog lists {expected}")
    known = max(entry.size or 0, total or 0)
    written = 0
    with _progress_bar(progress, total, dest.name) as bar:
        # read1: return what one read brings, so the deadline is checked while trickling
        while block := response.read1(_CHUNK):
            written += len(block)
            if written > limit:
                raise _TooBig(
                    f"sent more than expected: received {written} bytes or more, "
                    f"expected {expected}"
                )
            with explained_writes(dest, elsewhere=_ELSEWHERE):
                out.write(block)
            if bar is not None:
                bar.update(len(block))
            allowed = deadline if deadline is not None else timeout + max(known, written) / MIN_RATE
            if time.monotonic() - start > allowed:
                raise _TooSlow(
                    f"not done within the deadline of {allowed:.3g} s for one try "
                    f"({written} bytes received)"
                )
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
    mirror: str | None = None,
    deadline: float | None = None,
) -> Path:
    """Download ``entry`` to ``dest`` through ``dest.part``, verified, trying each URL in turn.

    Each URL gets ``retries`` tries, waiting ``backoff * 2**k`` seconds between
    them, where another try may help (a timeout, HTTP 5xx or 429, a transfer cut
    short, a file failing verification). An unreachable host (no DNS answer,
    connection refused, no route), a client error (HTTP 4xx) or a file larger
    than the catalog says moves on to the next URL at once; when no URL could be
    reached at all, :class:`Unreachable` is raised. ``timeout`` is in seconds per wait for
    data; ``deadline`` in seconds per try (default: ``timeout`` + size /
    :data:`MIN_RATE`). ``mirror`` (default ``$D2LKIT_MIRROR``) is a base URL
    tried first. If another process is downloading ``dest``, this one waits for
    it and then uses its file once verified. With ``$D2LKIT_OFFLINE=1`` nothing
    is tried: a :class:`DownloadError` says so before any socket is opened.
    """
    check_download_options(
        timeout=timeout,
        retries=retries,
        backoff=backoff,
        deadline=deadline,
        mirror=os.environ.get(ENV_MIRROR) if mirror is None else mirror,
    )
    if offline_by_env():
        raise DownloadError(
            f"{entry.name} was not downloaded: downloads are off "
            f"(${ENV_OFFLINE}={os.environ[ENV_OFFLINE]})",
            fix=(
                f"with a network, unset ${ENV_OFFLINE} and try again; or download "
                f"{entry.url or entry.name} elsewhere and put it at {dest}"
            ),
        )
    created = not dest.parent.exists()
    try:
        return _download(
            entry,
            dest,
            timeout=timeout,
            retries=retries,
            backoff=backoff,
            progress=progress,
            mirror=mirror,
            deadline=deadline,
        )
    finally:
        if created:  # a failed first download leaves no empty data-set folder behind
            with contextlib.suppress(OSError):
                dest.parent.rmdir()  # succeeds only when the folder is empty


def _download(
    entry: DataFile,
    dest: Path,
    *,
    timeout: float = 30.0,
    retries: int = 3,
    backoff: float = 1.0,
    progress: bool = False,
    mirror: str | None = None,
    deadline: float | None = None,
) -> Path:
    with explained_writes(dest.parent, action="create the folder", elsewhere=_ELSEWHERE):
        dest.parent.mkdir(parents=True, exist_ok=True)
    urls = download_urls(entry, mirror)
    if not urls:
        raise DownloadError(
            f"no download URL is known for {entry.name}",
            fix=(
                f"get it from the data set's source (see `d2lkit data list`) and put it at "
                f"{dest}, or name a mirror that has it with --mirror or ${ENV_MIRROR}"
            ),
        )
    with file_lock(dest, what="downloading"):
        if dest.is_file():  # another process may have installed it while we waited
            try:
                verify(dest, entry)
            except DataError:
                pass  # damaged: replace it
            else:
                return dest
        return _download_locked(entry, dest, urls, timeout, retries, backoff, progress, deadline)


def _download_locked(
    entry: DataFile,
    dest: Path,
    urls: tuple[str, ...],
    timeout: float,
    retries: int,
    backoff: float,
    progress: bool,
    deadline: float | None,
) -> Path:
    part = dest.with_name(dest.name + ".part")
    attempts: list[str] = []
    reasons: list[str] = []  # why each URL's host could not be reached, while none could
    reached = False
    unreachable = _UNREACHABLE.get()
    try:
        for url in urls:
            parts = urllib.parse.urlsplit(url)
            server = f"{parts.scheme}://{parts.netloc}"  # http and https: other ports
            if unreachable is not None and server in unreachable:
                attempts.append(f"{url}: not tried, {server} was not reachable just now")
                reasons.append(unreachable[server])
                continue
            for attempt in range(1, retries + 1):
                try:
                    _stream(url, part, entry, timeout, deadline, progress)
                    verify_uncached(part, entry, packed=entry.is_gzip)
                except WriteError:
                    raise  # our disk, not the server: no other try or URL helps
                except (OSError, http.client.HTTPException, DataError) as exc:
                    reason = _reason(exc, timeout)
                    attempts.append(f"{url} (try {attempt}): {reason}")
                    part.unlink(missing_ok=True)
                    reached = reached or not _not_connected(exc)
                    if not _worth_retrying(exc) or attempt == retries:
                        if _not_connected(exc):
                            reasons.append(f"could not reach {parts.netloc} ({reason})")
                            if unreachable is not None:
                                unreachable[server] = reasons[-1]
                        break
                    time.sleep(backoff * 2 ** (attempt - 1))
                    continue
                with explained_writes(dest, elsewhere=_ELSEWHERE):
                    os.replace(part, dest)
                Verdicts().remember(dest, entry)
                return dest
    finally:
        part.unlink(missing_ok=True)
    tried = "\n    ".join(attempts)
    message = f"could not download {entry.name}; tried:\n    {tried}"
    fix = (
        f"check the network and try again, or download {(entry.urls or urls)[0]} yourself "
        f"and put it at {dest}"
    )
    if reasons and not reached:
        raise Unreachable(message, fix, reason=reasons[0])
    raise DownloadError(message, fix)
