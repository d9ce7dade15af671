"""Finding, requiring and fetching the files of a data set.

A local file is verified before its first use; ``fetch`` downloads only what
is missing or damaged, and an archive whose catalog entry has ``unpack_to`` is
extracted into its folder, which then stands for the archive.

Library readers download on first use, like torchvision's ``download=True``:
:func:`require` fetches the data set when a file is missing, unless
``download=False`` or ``$D2LKIT_OFFLINE=1`` turns downloads off. Either way,
what cannot be had is one message naming every missing file of the data set,
its URL and the folder it goes in (:mod:`d2lkit.data.missing`); without a
network, the first unreachable file ends the data set at once.

Offline (``fetch(offline=True)``, the command line's ``--offline``, or
``$D2LKIT_OFFLINE=1`` anywhere) opens no socket for any reason: a present
file that fails verification is named as damaged, with both checksums, and
left in place; it is neither replaced nor called missing.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from d2lkit.data.catalog import DATASETS, DataFile, Dataset, fetch_hint, get_dataset
from d2lkit.data.cleanup import clean_stale
from d2lkit.data.download import (
    ENV_OFFLINE,
    Unreachable,
    check_download_options,
    download,
    download_urls,
    offline_by_env,
    remembering_unreachable_servers,
)
from d2lkit.data.install import restore_aside, unpack
from d2lkit.data.integrity import verify
from d2lkit.data.missing import Audience, DataSetUnavailable, missing_error
from d2lkit.data.paths import ENV_DATA, data_dir
from d2lkit.data.tree import tree_files
from d2lkit.data.verdicts import Verdicts
from d2lkit.errors import DataError, DownloadError

__all__ = [
    "ENV_OFFLINE",
    "FileStatus",
    "fetch",
    "fetch_all",
    "file_status",
    "find_local",
    "require",
    "require_unpacked",
]

log = logging.getLogger(__name__)


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
        restore_aside(unpacked)  # an old tree a crash left aside mid-swap
        if _has_files(unpacked, entry):
            return unpacked
    return None


def _unpacked_dir(dataset: Dataset, entry: DataFile, root: str | os.PathLike[str] | None) -> Path:
    assert entry.unpack_to is not None
    return data_dir(root) / dataset.folder / entry.unpack_to  # "." adds nothing


def _has_files(folder: Path, entry: DataFile) -> bool:
    return folder.is_dir() and bool(tree_files(folder, entry))


def _missing(dataset: Dataset, root: str | os.PathLike[str] | None) -> list[DataFile]:
    """The files of ``dataset`` with no local copy (nothing is hashed)."""
    return [entry for entry in dataset.files if find_local(dataset, entry, root) is None]


def require(
    dataset: str,
    name: str,
    root: str | os.PathLike[str] | None = None,
    *,
    download: bool = True,
) -> Path:
    """The verified local path of one file of a data set, downloaded on first use.

    A missing file fetches the whole data set (with a progress bar), unless
    ``download`` is False or ``$D2LKIT_OFFLINE`` is 1; then, as when there is no
    network, a :class:`~d2lkit.data.missing.DataSetUnavailable` names every
    missing file, its URL and the folder to put it in.
    """
    ds = get_dataset(dataset)
    entry = ds.file(name)
    path = find_local(ds, entry, root)
    if path is None:
        path = _download_on_first_use(ds, entry, root, download)
    verify(path, entry)
    return path


def _download_on_first_use(
    ds: Dataset, entry: DataFile, root: str | os.PathLike[str] | None, download: bool
) -> Path:
    folder = data_dir(root) / ds.folder
    missing = _missing(ds, root)
    why = ""
    if not download:
        why = "downloads are off (download=False)"
    elif offline_by_env():
        why = f"downloads are off (${ENV_OFFLINE}={os.environ[ENV_OFFLINE]})"
    elif any(not download_urls(m) for m in missing):
        why = "no download URL is known"
    if why:
        raise missing_error(ds, missing, folder, why=why, audience="library")
    log.info("%s: downloading %d missing file(s) into %s", ds.name, len(missing), folder)
    fetch(ds.name, root, progress=True, hints="library")
    path = find_local(ds, entry, root)
    if path is None:  # fetch raises rather than leave a file out; this is a bug
        raise RuntimeError(f"{ds.name}: fetch left {entry.name} missing")
    return path


def require_unpacked(
    dataset: str,
    name: str,
    root: str | os.PathLike[str] | None = None,
    *,
    download: bool = True,
) -> Path:
    """The verified folder an archive unpacks to; extracted first if only the archive is here.

    ``download`` as in :func:`require`.
    """
    ds = get_dataset(dataset)
    entry = ds.file(name)
    if entry.unpack_to is None:
        raise ValueError(f"{ds.name}: {entry.name} is not unpacked to a folder")
    folder = _unpacked_dir(ds, entry, root)
    if _has_files(folder, entry):
        verify(folder, entry)
        return folder
    return unpack(entry, require(dataset, name, root, download=download), folder)


def _local_size(path: Path, entry: DataFile) -> int:
    if path.is_dir():
        return sum((path / rel).stat().st_size for rel in tree_files(path, entry))
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
    """One row per file of ``dataset``: where it is, its size, whether a verdict is on record."""
    verdicts = Verdicts()
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


def fetch(
    dataset: str,
    root: str | os.PathLike[str] | None = None,
    *,
    timeout: float = 30.0,
    retries: int = 3,
    backoff: float = 1.0,
    progress: bool = False,
    mirror: str | None = None,
    deadline: float | None = None,
    offline: bool = False,
    hints: Audience = "cli",
) -> list[Path]:
    """Make every file of ``dataset`` present and verified; download only what is missing.

    ``timeout``, ``retries``, ``backoff``, ``progress``, ``mirror`` and
    ``deadline`` go to :func:`~d2lkit.data.download.download`. With ``offline``
    (or ``$D2LKIT_OFFLINE=1``) nothing is downloaded and no socket is opened:
    present files are verified, missing ones named, damaged ones named as
    damaged (both checksums) and left as they are. When a file cannot be
    downloaded for want of a network, or downloads are off, one
    :class:`~d2lkit.data.missing.DataSetUnavailable` names every missing file
    of the data set, its URL and its folder, with advice for the command line
    (``hints="cli"``) or for library code (``hints="library"``).
    """
    check_download_options(  # before any work: a bad number is one message, not a traceback
        timeout=timeout, retries=retries, backoff=backoff, deadline=deadline, mirror=mirror
    )
    ds = get_dataset(dataset)
    folder = data_dir(root) / ds.folder
    off = _offline_reason(ds, offline, hints)
    if off is not None:
        missing = _missing(ds, root)
        if missing:
            why, extra = off
            raise missing_error(ds, missing, folder, why=why, audience=hints, extra=extra)
    _clean_leftovers(ds, root)
    get = functools.partial(
        download,
        timeout=timeout,
        retries=retries,
        backoff=backoff,
        progress=progress,
        mirror=mirror,
        deadline=deadline,
    )
    return _place_files(ds, root, get, off, hints)


def _place_files(
    ds: Dataset,
    root: str | os.PathLike[str] | None,
    get: Callable[[DataFile, Path], Path],
    off: tuple[str, str] | None,
    hints: Audience,
) -> list[Path]:
    """Every file of ``ds`` verified in place, downloading (``get``) what is missing or damaged.

    Offline (``off``: why, and one more way out) a damaged file is never replaced:
    all of them are named in one error.
    """
    folder = data_dir(root) / ds.folder
    paths = []
    damaged: list[DataError] = []
    for index, entry in enumerate(ds.files):
        local = _verified_or_none(ds, entry, root, keep_damaged=off is not None, damaged=damaged)
        if local is not None:
            paths.append(_ensure_unpacked(ds, entry, local, root))
            continue
        if off is not None:  # offline: a damaged file was noted; never replace it
            continue
        try:
            archive = get(entry, folder / entry.name)
        except Unreachable as exc:
            # no network: the other files would fail the same way, each after its own tries
            later = [e for e in ds.files[index + 1 :] if find_local(ds, e, root) is None]
            raise missing_error(
                ds, [entry, *later], folder, why=f"no network: {exc.reason}", audience=hints
            ) from None
        paths.append(_ensure_unpacked(ds, entry, archive, root))
    if damaged:
        assert off is not None  # only offline leaves a damaged file in place
        raise _damaged_error(ds, folder, damaged, off[0], hints)
    return paths


def _verified_or_none(
    ds: Dataset,
    entry: DataFile,
    root: str | os.PathLike[str] | None,
    *,
    keep_damaged: bool,
    damaged: list[DataError],
) -> Path | None:
    """The verified local copy of ``entry``; None when it is missing or damaged.

    A damaged copy is noted in ``damaged`` when it must be kept (offline), else
    logged: the caller downloads a replacement.
    """
    local = find_local(ds, entry, root)
    if local is None:
        return None
    try:
        verify(local, entry)
    except DataError as exc:
        if keep_damaged:
            damaged.append(exc)
        else:
            log.warning("replacing a damaged copy: %s", exc.message)
        return None
    return local


def _offline_reason(dataset: Dataset, offline: bool, hints: Audience) -> tuple[str, str] | None:
    """(why, one more way out) when downloads are off, by ``offline`` or the environment."""
    fetch_it = fetch_hint(dataset.name)
    if offline:
        if hints == "cli":
            return "downloads are off (--offline)", (
                f"or, with a network, run without --offline or {fetch_it}"
            )
        return "downloads are off", ""
    if offline_by_env():
        why = f"downloads are off (${ENV_OFFLINE}={os.environ[ENV_OFFLINE]})"
        return why, f"or, with a network, unset ${ENV_OFFLINE} and run {fetch_it}"
    return None


def _damaged_error(
    dataset: Dataset, folder: Path, damaged: list[DataError], why: str, hints: Audience
) -> DataError:
    """Present files that fail verification while downloads are off: named as damaged.

    Each line is the verification's own message (the file, the checksum it has
    and the one expected); the fix fetches the data set again once a network is
    there, which replaces exactly the damaged files.
    """
    count = f"{len(damaged)} file" + ("s" if len(damaged) != 1 else "")
    lines = "".join(f"\n    {exc.message}" for exc in damaged)
    them = "it" if len(damaged) == 1 else "them"
    other = (
        f"or point --data-dir or ${ENV_DATA} at a data directory whose {dataset.folder}/ "
        "holds good copies"
        if hints == "cli"
        else f"or pass root= (or set ${ENV_DATA} to) a data directory whose "
        f"{dataset.folder}/ holds good copies"
    )
    return DataError(
        f"{dataset.name}: {count} in {folder} damaged, and {why}, so {them} "
        f"{'was' if len(damaged) == 1 else 'were'} not replaced:{lines}",
        fix=(
            f"with a network, run {fetch_hint(dataset.name)} (it replaces only the "
            f"damaged {'file' if len(damaged) == 1 else 'files'}"
            + (f"; unset ${ENV_OFFLINE} first" if offline_by_env() else "")
            + f"); {other}"
        ),
    )


def _clean_leftovers(dataset: Dataset, root: str | os.PathLike[str] | None) -> None:
    """Remove what interrupted downloads and extractions of earlier runs left behind."""
    folders = {data_dir(root) / dataset.folder}
    for entry in dataset.files:
        if entry.unpack_to is not None:  # its work folders live beside the unpacked folder
            folders.add(_unpacked_dir(dataset, entry, root).parent)
    for folder in sorted(folders):
        clean_stale(folder)


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
    return unpack(entry, local, folder)


def fetch_all(
    root: str | os.PathLike[str] | None = None, *, strict: bool = True, **kwargs: object
) -> dict[str, list[Path]]:
    """Fetch every data set of the catalog; complete, verified ones cost no download.

    Every data set is tried (without a network, each ends at its first file).
    With ``strict`` (default) a failure of any raises one :class:`DownloadError`
    after all were tried, with one line per failed data set; otherwise each
    failure is logged as one line and left out of the result. ``kwargs`` go to
    :func:`fetch`.
    """
    fetched: dict[str, list[Path]] = {}
    failures: list[str] = []
    failed: list[str] = []
    with remembering_unreachable_servers():  # without a network: one lookup per server
        for name in DATASETS:
            try:
                fetched[name] = fetch(name, root, **kwargs)  # type: ignore[arg-type]
            except DataError as exc:
                failures.append(_one_line(name, exc))
                failed.append(name)
                if not strict:
                    log.warning("could not fetch %s", failures[-1])
    if failures and strict:
        done = ", ".join(fetched) or "none"
        raise DownloadError(
            f"could not fetch {len(failures)} of {len(DATASETS)} data sets:\n  "
            + "\n  ".join(failures)
            + f"\n  (present and verified: {done})",
            fix=(
                f"{fetch_hint(failed[0])}"
                + (" (and so for each data set above)" if len(failed) > 1 else "")
                + " names each missing file, its URL and the "
                f"folder it goes in under {data_dir(root)}; or point --data-dir or ${ENV_DATA} "
                f"at a data directory that holds them; `d2lkit data list` shows every file's "
                f"status and URL; `d2lkit data fetch all` again skips what is already here"
            ),
        )
    return fetched


def _one_line(name: str, exc: DataError) -> str:
    """One line for one failed data set: its name, then the first line of what went wrong."""
    first = exc.message.splitlines()[0].removesuffix("; tried:")
    if isinstance(exc, DataSetUnavailable):
        return first  # already starts with the data set's name
    return f"{name}: {first}"
