"""Where data lives, and how a file gets there intact.

The data directory is ``--data-dir`` (passed as ``root``) > ``$D2LKIT_DATA`` >
``~/.cache/d2lkit``. Data set ``d`` lives in ``<root>/<d.folder>``. A file is
verified before its first use and the verdict is remembered (keyed by path,
size and modification time) in ``$D2LKIT_CACHE`` (default ``~/.cache/d2lkit``),
so the data directory itself may be read-only. Downloads stream into
``name.part`` and are renamed only once verified: an interrupted download never
leaves a file that looks complete.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import logging
import os
import tempfile
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from d2lkit.data.catalog import DataFile, Dataset, get_dataset
from d2lkit.data.idx import check_idx_header
from d2lkit.errors import DataError, DownloadError

__all__ = [
    "ENV_CACHE",
    "ENV_DATA",
    "FileStatus",
    "cache_dir",
    "data_dir",
    "download",
    "fetch",
    "file_status",
    "find_local",
    "read_bytes",
    "require",
    "verify",
]

log = logging.getLogger(__name__)

ENV_DATA = "D2LKIT_DATA"
ENV_CACHE = "D2LKIT_CACHE"
_CHUNK = 1 << 20  # 1 MiB per read while hashing or downloading
_USER_AGENT = "d2lkit (https://github.com/d2lkit/d2lkit)"


def data_dir(root: str | os.PathLike[str] | None = None) -> Path:
    """The data directory: ``root`` if given, else ``$D2LKIT_DATA``, else ``~/.cache/d2lkit``."""
    if root:
        return Path(root).expanduser()
    env = os.environ.get(ENV_DATA)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "d2lkit"


def cache_dir() -> Path:
    """Where d2lkit keeps small state of its own (verification verdicts)."""
    env = os.environ.get(ENV_CACHE)
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "d2lkit"


# --- reading ---------------------------------------------------------------


def read_bytes(path: Path) -> bytes:
    """The content of a data file, decompressed if its name ends in ``.gz``."""
    raw = path.read_bytes()
    if not path.name.endswith(".gz"):
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
            fix="delete it and fetch it again (`d2lkit data fetch NAME`)",
        ) from None


def _digest(path: Path, algorithm: str) -> str:
    h = hashlib.new(algorithm)
    with path.open("rb") as f:
        while block := f.read(_CHUNK):
            h.update(block)
    return h.hexdigest()


# --- verification ----------------------------------------------------------


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


def _verify_uncached(path: Path, entry: DataFile, packed: bool) -> None:
    algorithm, expected = entry.checksum.split(":", 1)
    if packed or not entry.is_gzip:
        actual = _digest(path, algorithm)
        if actual == expected:
            return  # byte-identical to the official download
        if not (entry.is_gzip and packed):
            raise _mismatch(path, algorithm, expected, actual)
        content = read_bytes(path)  # a re-compressed copy: judge what is inside
        if entry.content_sha256 is None:
            _check_content(path, content, entry)  # say what is wrong, if the structure can
            raise _mismatch(path, algorithm, expected, actual)
    else:
        content = path.read_bytes()  # an unpacked copy of a .gz download
    _check_content(path, content, entry)


class _Verdicts:
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
        st = path.stat()
        return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "checksum": entry.checksum}

    def passed(self, path: Path, entry: DataFile) -> bool:
        return self._load().get(str(path.resolve())) == self._stamp(path, entry)

    def remember(self, path: Path, entry: DataFile) -> None:
        verdicts = self._load()
        verdicts[str(path.resolve())] = self._stamp(path, entry)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _atomic_write_text(self.path, json.dumps(verdicts, indent=0, sort_keys=True))
        except OSError as exc:  # a read-only home only costs a re-check next time
            log.debug("cannot remember verdict in %s: %s", self.path, exc)


def _atomic_write_text(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def verify(path: Path, entry: DataFile, *, use_cache: bool = True) -> None:
    """Raise :class:`DataError` unless ``path`` holds exactly what ``entry`` describes."""
    verdicts = _Verdicts()
    if use_cache and verdicts.passed(path, entry):
        return
    _verify_uncached(path, entry, packed=path.name.endswith(".gz"))
    verdicts.remember(path, entry)


# --- finding ---------------------------------------------------------------


def find_local(dataset: Dataset, entry: DataFile, root: str | os.PathLike[str] | None = None
               ) -> Path | None:
    """The local copy of ``entry``: the file as downloaded, else an unpacked copy."""
    folder = data_dir(root) / dataset.folder
    for name in dict.fromkeys((entry.name, entry.unpacked_name)):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


def require(dataset: str, name: str, root: str | os.PathLike[str] | None = None) -> Path:
    """The verified local path of one file of a data set, or a clear :class:`DataError`."""
    ds = get_dataset(dataset)
    entry = ds.file(name)
    path = find_local(ds, entry, root)
    if path is None:
        folder = data_dir(root) / ds.folder
        raise DataError(
            f"{ds.name}: {entry.name} is not in {folder}",
            fix=(
                f"run `d2lkit data fetch {ds.name}` (needs a network), or point --data-dir or "
                f"${ENV_DATA} at a folder that holds {ds.folder}/{entry.name}"
            ),
        )
    verify(path, entry)
    return path


@dataclass(frozen=True)
class FileStatus:
    """What ``d2lkit data list`` says of one file, without hashing anything."""

    dataset: str
    name: str
    path: Path | None
    size: int | None
    verified: bool
    url: str


def file_status(dataset: Dataset, root: str | os.PathLike[str] | None = None
                ) -> list[FileStatus]:
    verdicts = _Verdicts()
    rows = []
    for entry in dataset.files:
        path = find_local(dataset, entry, root)
        rows.append(FileStatus(
            dataset=dataset.name,
            name=entry.name,
            path=path,
            size=path.stat().st_size if path else entry.size,
            verified=bool(path) and verdicts.passed(path, entry),
            url=entry.urls[0],
        ))
    return rows


# --- downloading -----------------------------------------------------------


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


def download(entry: DataFile, dest: Path, *, timeout: float = 30.0, retries: int = 3,
             backoff: float = 1.0, progress: bool = False) -> Path:
    """Download ``entry`` to ``dest`` through ``dest.part``, verified, trying each mirror.

    Each URL gets ``retries`` tries, waiting ``backoff * 2**k`` seconds between
    them; a missing file (HTTP 404/403/410) moves on to the next URL at once.
    """
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"cannot create {dest.parent}: {exc.strerror}",
                        fix="choose a writable data directory with --data-dir or "
                            f"${ENV_DATA}") from None
    part = dest.with_name(dest.name + ".part")
    attempts: list[str] = []
    try:
        for url in entry.urls:
            for attempt in range(1, retries + 1):
                try:
                    _stream(url, part, timeout, progress)
                    _verify_uncached(part, entry, packed=entry.is_gzip)
                except (OSError, http.client.HTTPException, DataError) as exc:
                    attempts.append(f"{url} (try {attempt}): {_reason(exc, timeout)}")
                    part.unlink(missing_ok=True)
                    gone = isinstance(exc, urllib.error.HTTPError) and exc.code in (403, 404, 410)
                    if gone or attempt == retries:
                        break
                    time.sleep(backoff * 2 ** (attempt - 1))
                    continue
                os.replace(part, dest)
                _Verdicts().remember(dest, entry)
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


def fetch(dataset: str, root: str | os.PathLike[str] | None = None, *, timeout: float = 30.0,
          retries: int = 3, backoff: float = 1.0, progress: bool = False) -> list[Path]:
    """Make every file of ``dataset`` present and verified; download only what is missing."""
    ds = get_dataset(dataset)
    paths = []
    for entry in ds.files:
        local = find_local(ds, entry, root)
        if local is not None:
            try:
                verify(local, entry)
                paths.append(local)
                continue
            except DataError as exc:
                log.warning("replacing a damaged copy: %s", exc.message)
        dest = data_dir(root) / ds.folder / entry.name
        paths.append(download(entry, dest, timeout=timeout, retries=retries, backoff=backoff,
                              progress=progress))
    return paths

