"""Where data lives, and how a file gets there intact.

The data directory is ``--data-dir`` (passed as ``root``) > ``$D2LKIT_DATA`` >
``~/.cache/d2lkit``. Data set ``d`` lives in ``<root>/<d.folder>``. A file is
verified before its first use and the verdict is remembered (keyed by path,
size and modification time) in ``$D2LKIT_CACHE`` (default ``~/.cache/d2lkit``),
so the data directory itself may be read-only. Downloads stream into
``name.part`` and are renamed only once verified: an interrupted download never
leaves a file that looks complete.

An archive whose catalog entry has ``unpack_to`` is used as a folder: ``fetch``
extracts it safely (:func:`~d2lkit.data.archive.extract_archive`) and records
the folder's tree digest beside it, so the folder is verified like a file.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import logging
import os
import shutil
import tempfile
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from d2lkit.atomic import write_text_atomic
from d2lkit.data.archive import extract_archive
from d2lkit.data.catalog import DATASETS, DataFile, Dataset, get_dataset
from d2lkit.data.idx import check_idx_header
from d2lkit.errors import DataError, DownloadError

__all__ = [
    "ENV_CACHE",
    "ENV_DATA",
    "FileStatus",
    "cache_dir",
    "data_dir",
    "download",
    "extract_archive",
    "fetch",
    "fetch_all",
    "file_status",
    "find_local",
    "read_bytes",
    "require",
    "require_unpacked",
    "tree_digest",
    "verify",
]

log = logging.getLogger(__name__)

ENV_DATA = "D2LKIT_DATA"
ENV_CACHE = "D2LKIT_CACHE"
_CHUNK = 1 << 20  # 1 MiB per read while hashing or downloading
_USER_AGENT = "d2lkit (https://github.com/d2lkit/d2lkit)"
_MANIFEST = ".d2lkit-tree.json"  # written beside the files of a folder d2lkit extracted


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


def _served_mismatch(path: Path, entry: DataFile) -> tuple[str, str, str] | None:
    """None if the bytes match any accepted checksum; else (algorithm, expected, actual)."""
    digests: dict[str, str] = {}
    for checksum in entry.checksums:
        algorithm, expected = checksum.split(":", 1)
        if algorithm not in digests:
            digests[algorithm] = _digest(path, algorithm)
        if digests[algorithm] == expected:
            return None
    algorithm, expected = entry.checksum.split(":", 1)
    if entry.also_accepted:
        expected += f" (or a known copy: {', '.join(entry.also_accepted)})"
    return algorithm, expected, digests[algorithm]


def _verify_uncached(path: Path, entry: DataFile, packed: bool) -> None:
    if path.is_dir():
        _verify_tree(path, entry)
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
        if path.is_dir():  # a folder: its files' count, total size and newest change
            stats = [(path / rel).stat() for rel in _tree_files(path, entry)]
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


# --- folders extracted from an archive --------------------------------------


def _tree_files(folder: Path, entry: DataFile | None = None) -> list[str]:
    """Relative POSIX paths of the files of a folder, sorted; d2lkit's own files left out.

    Left out: the archive itself (when it lives in the folder), ``.part``
    downloads, the manifest, and unfinished extractions (``.*.tmp`` folders).
    """
    skip_top = {entry.name} if entry is not None else set()
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if not (d.startswith(".") and d.endswith(".tmp"))]
        rel_dir = Path(dirpath).relative_to(folder)
        for name in filenames:
            if name.endswith(".part") or name == _MANIFEST:
                continue
            if rel_dir == Path(".") and name in skip_top:
                continue
            found.append((rel_dir / name).as_posix())
    return sorted(found)


def _file_sha1s(folder: Path, files: list[str]) -> dict[str, str]:
    return {rel: _digest(folder / rel, "sha1") for rel in files}


def _tree_digest_of(sha1s: dict[str, str]) -> str:
    h = hashlib.sha1()
    for rel in sorted(sha1s):
        h.update(f"{rel}\0{sha1s[rel]}\n".encode())
    return f"sha1:{h.hexdigest()}"


def tree_digest(folder: Path, entry: DataFile | None = None) -> str:
    """ "sha1:" of every file's relative path and sha1, in sorted order: a folder's checksum."""
    folder = Path(folder)
    return _tree_digest_of(_file_sha1s(folder, _tree_files(folder, entry)))


def _read_manifest(folder: Path) -> dict[str, object] | None:
    try:
        manifest = json.loads((folder / _MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def _tree_differences(recorded: dict[str, str], actual: dict[str, str]) -> str:
    changed = [
        f"{rel} (changed)"
        for rel in sorted(recorded)
        if rel in actual and actual[rel] != recorded[rel]
    ]
    missing = [f"{rel} (missing)" for rel in sorted(set(recorded) - set(actual))]
    extra = [f"{rel} (not in the archive)" for rel in sorted(set(actual) - set(recorded))]
    items = changed + missing + extra
    return ", ".join(items[:5]) + (f" and {len(items) - 5} more" if len(items) > 5 else "")


def _verify_tree(folder: Path, entry: DataFile) -> None:
    """A folder passes if its tree digest is a known copy's, or the one d2lkit recorded."""
    if entry.unpack_to is None:
        raise DataError(
            f"{folder} is a folder, but the catalog lists {entry.name} as a file",
            fix=f"put the file {entry.name} there instead",
        )
    sha1s = _file_sha1s(folder, _tree_files(folder, entry))
    actual = _tree_digest_of(sha1s)
    if actual in entry.tree_checksums:
        return
    manifest = _read_manifest(folder)
    recorded = manifest.get("files") if manifest else None
    if (
        manifest
        and manifest.get("archive_checksum") in entry.checksums
        and isinstance(recorded, dict)
    ):
        if manifest.get("tree") == actual:
            return
        detail = f": {_tree_differences(recorded, sha1s)}" if recorded else ""
        problem = f"its files differ from those extracted from {entry.name}{detail}"
    else:
        known = ", ".join(entry.tree_checksums) or "none listed"
        problem = (
            f"its tree digest is {actual}, which is neither a known copy's ({known}) nor "
            f"one recorded when d2lkit extracted {entry.name}"
        )
    raise DataError(
        f"{folder} failed verification: {problem}",
        fix=(
            f"delete the folder's content and run `d2lkit data fetch NAME` to extract "
            f"{entry.name} again, or point --data-dir / ${ENV_DATA} at a good copy"
        ),
    )


def verify(path: Path, entry: DataFile, *, use_cache: bool = True) -> None:
    """Raise :class:`DataError` unless ``path`` holds exactly what ``entry`` describes."""
    verdicts = _Verdicts()
    if use_cache and verdicts.passed(path, entry):
        return
    _verify_uncached(path, entry, packed=path.name.endswith(".gz"))
    verdicts.remember(path, entry)


# --- finding ---------------------------------------------------------------


def find_local(
    dataset: Dataset, entry: DataFile, root: str | os.PathLike[str] | None = None
) -> Path | None:
    """The local copy of ``entry``: the file as downloaded, else an unpacked copy.

    For an archive with ``unpack_to``, the unpacked copy is its extracted folder.
    """
    folder = data_dir(root) / dataset.folder
    for name in dict.fromkeys((entry.name, entry.unpacked_name)):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    if entry.unpack_to is not None:
        unpacked = _unpacked_dir(dataset, entry, root)
        if _has_files(unpacked, entry):
            return unpacked
    return None


def _unpacked_dir(dataset: Dataset, entry: DataFile, root: str | os.PathLike[str] | None) -> Path:
    assert entry.unpack_to is not None
    return data_dir(root) / dataset.folder / entry.unpack_to  # "." adds nothing


def _has_files(folder: Path, entry: DataFile) -> bool:
    return folder.is_dir() and bool(_tree_files(folder, entry))


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


def require_unpacked(dataset: str, name: str, root: str | os.PathLike[str] | None = None) -> Path:
    """The verified folder an archive unpacks to; extracted first if only the archive is here."""
    ds = get_dataset(dataset)
    entry = ds.file(name)
    if entry.unpack_to is None:
        raise ValueError(f"{ds.name}: {entry.name} is not unpacked to a folder")
    folder = _unpacked_dir(ds, entry, root)
    if _has_files(folder, entry):
        verify(folder, entry)
        return folder
    return _unpack(ds, entry, require(dataset, name, root), root)


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


def _unpack(
    dataset: Dataset, entry: DataFile, archive: Path, root: str | os.PathLike[str] | None
) -> Path:
    """Extract a verified archive into its folder and record the folder's tree digest.

    An archive holding one top folder (macOS ``__MACOSX`` debris aside) has that
    folder's content installed.
    """
    folder = _unpacked_dir(dataset, entry, root)
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
    sha1s = _file_sha1s(folder, _tree_files(folder, entry))
    manifest = {
        "archive": entry.name,
        "archive_checksum": entry.checksum,
        "tree": _tree_digest_of(sha1s),
        "files": sha1s,
    }
    write_text_atomic(folder / _MANIFEST, json.dumps(manifest, indent=0, sort_keys=True))
    _Verdicts().remember(folder, entry)
    log.info("extracted %s into %s", archive, folder)
    return folder


def _local_size(path: Path, entry: DataFile) -> int:
    if path.is_dir():
        return sum((path / rel).stat().st_size for rel in _tree_files(path, entry))
    return path.stat().st_size


@dataclass(frozen=True)
class FileStatus:
    """What ``d2lkit data list`` says of one file, without hashing anything."""

    dataset: str
    name: str
    path: Path | None
    size: int | None
    verified: bool
    url: str


def file_status(dataset: Dataset, root: str | os.PathLike[str] | None = None) -> list[FileStatus]:
    verdicts = _Verdicts()
    rows = []
    for entry in dataset.files:
        path = find_local(dataset, entry, root)
        rows.append(
            FileStatus(
                dataset=dataset.name,
                name=entry.name,
                path=path,
                size=_local_size(path, entry) if path else entry.size,
                verified=path is not None and verdicts.passed(path, entry),
                url=entry.url,
            )
        )
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
def _progress_bar(enabled: bool, total: int | None, name: str) -> Iterator[Any]:
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


def fetch(
    dataset: str,
    root: str | os.PathLike[str] | None = None,
    *,
    timeout: float = 30.0,
    retries: int = 3,
    backoff: float = 1.0,
    progress: bool = False,
) -> list[Path]:
    """Make every file of ``dataset`` present and verified; download only what is missing."""
    ds = get_dataset(dataset)
    paths = []
    for entry in ds.files:
        local = find_local(ds, entry, root)
        if local is not None:
            try:
                verify(local, entry)
            except DataError as exc:
                log.warning("replacing a damaged copy: %s", exc.message)
            else:
                paths.append(_ensure_unpacked(ds, entry, local, root))
                continue
        dest = data_dir(root) / ds.folder / entry.name
        archive = download(
            entry, dest, timeout=timeout, retries=retries, backoff=backoff, progress=progress
        )
        paths.append(_ensure_unpacked(ds, entry, archive, root))
    return paths


def _ensure_unpacked(
    dataset: Dataset, entry: DataFile, local: Path, root: str | os.PathLike[str] | None
) -> Path:
    """For an archive used as a folder: the verified folder, re-extracted if damaged."""
    if entry.unpack_to is None or local.is_dir():
        return local
    folder = _unpacked_dir(dataset, entry, root)
    if _has_files(folder, entry):
        try:
            verify(folder, entry)
            return folder
        except DataError as exc:
            log.warning("extracting %s again: %s", entry.name, exc.message)
    return _unpack(dataset, entry, local, root)


def fetch_all(
    root: str | os.PathLike[str] | None = None, *, strict: bool = True, **kwargs: object
) -> dict[str, list[Path]]:
    """Fetch every data set of the catalog; complete, verified ones cost no download.

    Every data set is tried. With ``strict`` (default) a failure of any raises one
    :class:`DownloadError` listing each failure after all were tried; otherwise
    failures are logged and left out of the result. ``kwargs`` go to :func:`fetch`.
    """
    fetched: dict[str, list[Path]] = {}
    failures: list[str] = []
    for name in DATASETS:
        try:
            fetched[name] = fetch(name, root, **kwargs)  # type: ignore[arg-type]
        except DataError as exc:
            failures.append(f"{name}: {exc.message}")
            log.warning("could not fetch %s: %s", name, exc.message)
    if failures and strict:
        done = ", ".join(fetched) or "none"
        raise DownloadError(
            f"could not fetch {len(failures)} of {len(DATASETS)} data sets:\n  "
            + "\n  ".join(failures)
            + f"\n  (present and verified: {done})",
            fix="fix what each line says, then run `d2lkit data fetch all` again; "
            "it skips what is already here",
        )
    return fetched
