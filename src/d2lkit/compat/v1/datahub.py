"""d2l 1.0's ``download(url, folder, sha1_hash)``, ``extract`` and ``download_extract``.

The English edition downloads a file *into a folder* (``../data`` by default)
and later cells open it there (``self.root + '/fra-eng/fra.txt'``). So
``download`` gets the file from d2lkit's verified store (local first, fetched
only when absent; the store's ``fra-eng.zip`` is accepted for the book's) and
puts a copy at ``folder/<file name>`` (atomically; a copy already there with
the same content is kept). ``extract`` unpacks next to it, safely.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
from pathlib import Path

from d2lkit.atomic import atomic_path
from d2lkit.compat import datahub as _hub
from d2lkit.data import extract_into
from d2lkit.errors import DataError

__all__ = ["DATA_HUB", "DATA_URL", "download", "download_extract", "extract"]

log = logging.getLogger(__name__)

DATA_URL = _hub.DATA_URL
DATA_HUB: dict[str, tuple[str, str]] = dict(_hub.DATA_HUB)  # this facade's own, as in the book


def _sha1(path: Path) -> str:
    digest = hashlib.sha1()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download(url: str, folder: str = "../data", sha1_hash: str | None = None) -> str:
    """The local path of ``folder/<file name of url>``, a verified copy of the book's file.

    ``url`` may also be a ``DATA_HUB`` name (then its url and sha1 are used).
    When ``folder`` cannot be written, the path in d2lkit's store is returned.
    """
    if not url.startswith("http"):
        if url not in DATA_HUB:
            raise DataError(f"{url} is not in DATA_HUB", fix="add DATA_HUB[name] = (url, sha1)")
        url, sha1_hash = DATA_HUB[url]
    fname = url.split("/")[-1]
    stored = _hub.store_path(Path(fname).stem, url, sha1_hash)
    if stored.is_dir():  # the store keeps this archive extracted (download_extract serves it)
        return str(stored)
    target = Path(folder) / fname
    try:
        if target.exists() and (
            target.resolve() == stored.resolve() or _sha1(target) == _sha1(stored)
        ):
            return str(target)
        with atomic_path(target) as tmp:
            shutil.copyfile(stored, tmp)
    except OSError as exc:
        log.warning("cannot write %s (%s); using %s", target, exc, stored)
        return str(stored)
    return str(target)


def extract(filename: str, folder: str | None = None) -> None:
    """Extract a zip/tar file into ``folder`` (default: the file's own folder), safely."""
    if os.path.splitext(filename)[1] not in (".zip", ".tar", ".gz"):
        raise DataError(f"{filename} is not a zip/tar file", fix="extract only .zip/.tar/.gz files")
    extract_into(Path(filename), Path(folder if folder is not None else os.path.dirname(filename)))


def download_extract(name: str, folder: str | None = None) -> str:
    """Download ``DATA_HUB[name]`` and extract it beside the file; return the extracted folder.

    An archive the store keeps extracted (``cifar10_tiny``, ``hotdog``, ``voc2012`` ...)
    is served as a linked working copy in d2lkit's cache, as ``d2lkit.torch`` does: the
    sections write into it (``train_valid_test/``), the store's folder stays as verified.
    """
    fname = download(name)
    if os.path.isdir(fname):
        return _hub.unpacked_copy(name, Path(fname), folder)
    base_dir, (data_dir, ext) = os.path.dirname(fname), os.path.splitext(fname)
    if ext not in (".zip", ".tar", ".gz"):
        raise DataError(f"{fname} is not a zip/tar file", fix="use download(name) for plain files")
    extract(fname, base_dir)
    return os.path.join(base_dir, folder) if folder else data_dir
