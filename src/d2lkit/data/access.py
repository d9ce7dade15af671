"""Finding, requiring and fetching the files of a data set.

A local file is verified before its first use; ``fetch`` downloads only what
is missing or damaged, and an archive whose catalog entry has ``unpack_to`` is
extracted into its folder, which then stands for the archive.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from d2lkit.data.catalog import DATASETS, DataFile, Dataset, get_dataset
from d2lkit.data.cleanup import clean_stale
from d2lkit.data.download import download
from d2lkit.data.install import restore_aside, unpack
from d2lkit.data.integrity import verify
from d2lkit.data.paths import ENV_DATA, data_dir
from d2lkit.data.tree import tree_files
from d2lkit.data.verdicts import Verdicts
from d2lkit.errors import DataError, DownloadError

__all__ = [
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
    return unpack(entry, require(dataset, name, root), folder)


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
) -> list[Path]:
    """Make every file of ``dataset`` present and verified; download only what is missing.

    ``timeout``, ``retries``, ``backoff``, ``progress``, ``mirror`` and
    ``deadline`` go to :func:`~d2lkit.data.download.download`.
    """
    ds = get_dataset(dataset)
    _clean_leftovers(ds, root)
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
            entry,
            dest,
            timeout=timeout,
            retries=retries,
            backoff=backoff,
            progress=progress,
            mirror=mirror,
            deadline=deadline,
        )
        paths.append(_ensure_unpacked(ds, entry, archive, root))
    return paths


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
