"""The book's ``DATA_HUB`` / ``download`` / ``download_extract``, served by d2lkit's store.

``DATA_HUB`` stays a plain mutable dict of ``name -> (url, sha1)`` that a
section may add to. ``download(name)`` looks the file up in d2lkit's
catalog by its file name: a catalogued file is found locally first (in
``$D2LKIT_DATA``), verified against every known-good checksum (so the
store's ``fra-eng.zip`` is accepted, not fetched again), and downloaded
only when absent. A file the catalog does not know is registered as a
one-file data set under ``hub:<name>`` and goes through the same
verified fetch. Archives are extracted once, safely, into d2lkit's cache
folder, so a read-only data directory stays untouched.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

from d2lkit.data import DATASETS, DataFile, Dataset, extract_archive, fetch, require
from d2lkit.data.catalog import D2L_HUB
from d2lkit.data.store import cache_dir
from d2lkit.errors import DataError

__all__ = [
    "DATA_HUB",
    "DATA_URL",
    "download",
    "download_all",
    "download_extract",
    "store_path",
]

log = logging.getLogger(__name__)

DATA_URL = D2L_HUB

# The entries the book's #@save cells register (chapters 4-11), same URLs and sha1s.
DATA_HUB: dict[str, tuple[str, str]] = {
    "kaggle_house_train": (
        DATA_URL + "kaggle_house_pred_train.csv",
        "585e9cc93e70b39160e7921475f9bcd7d31219ce",
    ),
    "kaggle_house_test": (
        DATA_URL + "kaggle_house_pred_test.csv",
        "fa19780a7b011d9b009e8bff8e99922a8ee2eb90",
    ),
    "time_machine": (DATA_URL + "timemachine.txt", "090b5e7e70c295757f55df93cb0a180b9691891a"),
    "fra-eng": (DATA_URL + "fra-eng.zip", "94646ad1522d915e7b0f9296181140edcf86a4f5"),
    "airfoil": (
        DATA_URL + "airfoil_self_noise.dat",
        "76e5be1548fd8222e5074cf0faae75edff8cf93f",
    ),
    "ptb": (DATA_URL + "ptb.zip", "319d85e578af0cdc590547f26231e4e31cdf1e42"),
}


def _catalogued(fname: str, sha1: str) -> tuple[str, str] | None:
    """(data set, file) of the catalog entry with this file name (or this checksum)."""
    for ds in DATASETS.values():
        for entry in ds.files:
            if entry.name == fname or f"sha1:{sha1}" in entry.checksums:
                return ds.name, entry.name
    return None


def _register(name: str, url: str, sha1: str, fname: str) -> tuple[str, str]:
    """A one-file catalog entry for a hub file d2lkit does not know (a section's own)."""
    key = f"hub:{name}"
    DATASETS[key] = Dataset(
        name=key,
        folder="d2l",
        title=f"{fname} (registered in DATA_HUB as {name!r})",
        files=(DataFile(name=fname, urls=(url,), checksum=f"sha1:{sha1}"),),
    )
    return key, fname


def download(name: str, cache_dir: str | os.PathLike[str] | None = None) -> str:
    """The verified local path of ``DATA_HUB[name]``, downloaded only if it is not here.

    ``cache_dir`` is the data directory (default ``$D2LKIT_DATA``, then
    ``~/.cache/d2lkit``), not the book's ``../data``.
    """
    if name not in DATA_HUB:
        raise DataError(f"{name} is not in DATA_HUB", fix="add DATA_HUB[name] = (url, sha1) first")
    url, sha1 = DATA_HUB[name]
    root = None if cache_dir is None or Path(cache_dir) == Path("..", "data") else cache_dir
    return str(store_path(name, url, sha1, root))


def store_path(
    name: str, url: str, sha1: str | None, root: str | os.PathLike[str] | None = None
) -> Path:
    """The verified path in d2lkit's store of the book's file ``url``, fetched only if absent.

    The file is found by its name or checksum in the catalog; a file the
    catalog does not know becomes the one-file entry ``hub:<name>``.
    """
    fname = url.split("/")[-1]
    found = _catalogued(fname, sha1 or "")
    if found is None and sha1 is None:
        raise DataError(
            f"{fname} is not a file d2lkit knows, and no sha1 was given to verify it",
            fix="pass the file's sha1_hash (the book gives one for each of its files)",
        )
    dataset, file = found or _register(name, url, sha1 or "", fname)
    try:
        return require(dataset, file, root)
    except DataError:
        log.warning("downloading %s from %s", fname, url)
        fetch(dataset, root)
        return require(dataset, file, root)


def _extract_root(archive: Path) -> Path:
    """Where an archive's extracted copy lives: keyed by its content, so extracted once."""
    digest = hashlib.sha1(f"{archive.resolve()}:{archive.stat().st_size}".encode()).hexdigest()
    return cache_dir() / "extracted" / f"{archive.name}-{digest[:12]}"


def download_extract(name: str, folder: str | None = None) -> str:
    """Download (if needed) and extract a zip/tar from ``DATA_HUB``; return the extracted folder.

    As in the book: ``<extracted>/<folder>`` if ``folder`` is given, else the
    folder named after the archive (``fra-eng.zip`` -> ``.../fra-eng``).
    """
    archive = Path(download(name))
    stem, ext = os.path.splitext(archive.name)
    if ext not in (".zip", ".tar", ".gz", ".tgz"):
        raise DataError(
            f"{archive.name} is not a zip/tar archive", fix="use download(name) for plain files"
        )
    if stem.endswith(".tar"):
        stem = stem[: -len(".tar")]
    root = _extract_root(archive)
    if not root.is_dir():
        root.parent.mkdir(parents=True, exist_ok=True)
        extract_archive(archive, root)
    if folder:
        return str(root / folder)
    inner = root / stem
    return str(inner if inner.is_dir() else root)


def download_all() -> None:
    """Download every file of ``DATA_HUB`` (those already here are only verified)."""
    for name in DATA_HUB:
        download(name)
