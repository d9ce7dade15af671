"""The book's ``DATA_HUB`` / ``download`` / ``download_extract``, served by d2lkit's store.

``DATA_HUB`` stays a plain mutable dict of ``name -> (url, sha1)`` that a
section may add to, and it behaves like one: ``download(name)`` reads the
entry as it is at that moment, so the entry registered last wins, with its
URL and its sha1 (a corrected sha1 takes effect at once, no restart).

- When the sha1 is one the catalog knows for a file, the store's copy is used
  (found in ``$D2LKIT_DATA``, verified, downloaded from the catalog's URLs
  only when absent: the same bytes). So the book's own entries find the
  store's ``fra-eng.zip`` and ``timemachine.txt``.
- Any other entry is the user's own file: it lives in ``<data dir>/hub/`` (so
  it never replaces a store file of the same name) and is fetched from the
  user's URL and verified against the user's sha1, through the same verified,
  atomic download.
- An entry that is not ``(url, sha1)``, or a URL that names no file (ending
  in ``/``, ``.`` or ``..``, or empty), is a clear error before anything else.

Archives are extracted once, safely, into d2lkit's cache folder, so a
read-only data directory stays untouched.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import urllib.parse
from pathlib import Path

from d2lkit.compat.adapters import book_data_advice
from d2lkit.data import DATASETS, DataFile, Dataset, extract_archive, fetch, require
from d2lkit.data.catalog import D2L_HUB
from d2lkit.data.missing import DataSetUnavailable
from d2lkit.data.paths import ENV_CACHE
from d2lkit.data.store import cache_dir
from d2lkit.data.workcopy import linked_copy
from d2lkit.errors import DataError

__all__ = [
    "DATA_HUB",
    "DATA_URL",
    "download",
    "download_all",
    "download_extract",
    "store_path",
    "unpacked_copy",
]

log = logging.getLogger(__name__)

DATA_URL = D2L_HUB

# The entries the book's #@save cells register (chapters 4-15), same URLs and sha1s.
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
    # chapter 13 (computer vision)
    "hotdog": (DATA_URL + "hotdog.zip", "fba480ffa8aa7e0febbb511d181409f899b9baa5"),
    "banana-detection": (
        DATA_URL + "banana-detection.zip",
        "5de26c8fce5ccdea9f91267273464dc968d20d72",
    ),
    "voc2012": (
        DATA_URL + "VOCtrainval_11-May-2012.tar",
        "4e443f8a2eca6b1dac8a6c57641b67dd40621a49",
    ),
    "cifar10_tiny": (
        DATA_URL + "kaggle_cifar10_tiny.zip",
        "2068874e4b9a9f0fb07ebe0ad2b29754449ccacd",
    ),
    "dog_tiny": (DATA_URL + "kaggle_dog_tiny.zip", "0cb91d09b814ecdc07b50f31f8dcad3e81d6a86d"),
    "pokemon": (DATA_URL + "pokemon.zip", "c065c0e2593b8b161a2d7873e42418bf6a21106c"),
    # chapters 14-15, as d2l 0.17.6 registers them at import
    "glove.6b.50d": (DATA_URL + "glove.6B.50d.zip", "0b8703943ccdb6eb788e6f091b8946e82231bc4d"),
    "glove.6b.100d": (DATA_URL + "glove.6B.100d.zip", "cd43bfb07e44e6f27cbcc7bc9ae3d80284fdaf5a"),
    "glove.42b.300d": (
        DATA_URL + "glove.42B.300d.zip",
        "b5116e234e9eb9076672cfeabf5469f3eec904fa",
    ),
    "wiki.en": (DATA_URL + "wiki.en.zip", "c1816da3821ae9f43899be655002f6c723e91b88"),
    "wikitext-2": (
        "https://s3.amazonaws.com/research.metamind.io/wikitext/wikitext-2-v1.zip",
        "3c914d17d80b1459be871a5039ac23e752a53cbe",
    ),
    "aclImdb": (
        "http://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",
        "01ada507287d82875905620988597833ad4e0903",
    ),
    "SNLI": (
        "https://nlp.stanford.edu/projects/snli/snli_1.0.zip",
        "9fcde07509c7e87ec61c640c1b2753d9041758e4",
    ),
}


_SHA1 = re.compile(r"[0-9a-f]{40}")
_HUB_FOLDER = "hub"  # the users' own DATA_HUB files, apart from the store's
_ENTRY_FIX = (
    "set DATA_HUB[name] = (url, sha1): the URL of one file and its sha1 as 40 hex digits "
    "(`sha1sum FILE` prints it)"
)


def _hub_entry(name: str) -> tuple[str, str, str]:
    """(url, sha1, file name) of ``DATA_HUB[name]`` as it is now, checked."""
    if name not in DATA_HUB:
        raise DataError(f"{name} is not in DATA_HUB", fix="add DATA_HUB[name] = (url, sha1) first")
    value = DATA_HUB[name]
    where = f"DATA_HUB[{name!r}]"
    if not isinstance(value, tuple | list) or len(value) != 2:
        shape = (
            f"a {type(value).__name__} of {len(value)}"
            if isinstance(value, tuple | list)
            else f"a {type(value).__name__}"
        )
        raise DataError(f"{where} is {shape}, not (url, sha1)", fix=_ENTRY_FIX)
    url, sha1 = value
    if not isinstance(url, str):
        raise DataError(f"{where}: the URL is a {type(url).__name__}, not a str", fix=_ENTRY_FIX)
    if not isinstance(sha1, str) or not _SHA1.fullmatch(sha1.lower()):
        raise DataError(f"{where}: {sha1!r} is not a sha1 (40 hex digits)", fix=_ENTRY_FIX)
    fname = urllib.parse.unquote(urllib.parse.urlsplit(url).path).rsplit("/", 1)[-1]
    if fname in ("", ".", "..") or "\\" in fname or "\0" in fname:
        raise DataError(
            f"{where}: the URL {url!r} names no file (it is empty or ends in '/', '.' or '..')",
            fix=_ENTRY_FIX,
        )
    return url, sha1.lower(), fname


def _known_copy(sha1: str) -> tuple[Dataset, DataFile] | None:
    """The catalog's (data set, file) whose accepted checksums include this sha1."""
    for ds in DATASETS.values():
        if ds.name.startswith("hub:"):
            continue
        for entry in ds.files:
            if f"sha1:{sha1}" in entry.checksums:
                return ds, entry
    return None


def _register(name: str, url: str, sha1: str, fname: str) -> tuple[str, str]:
    """(data set, file) that serves ``DATA_HUB[name]`` as it is now.

    A sha1 the catalog knows is the store's file, as the catalog lists it (the
    same bytes, so its local copy and its mirrors serve). Any other is the
    user's own file: ``hub:<name>`` in the catalog, replaced at every call, so
    the URL and sha1 registered last are the ones used.
    """
    known = _known_copy(sha1)
    if known is not None:
        return known[0].name, known[1].name
    key = f"hub:{name}"
    DATASETS[key] = Dataset(
        name=key,
        folder=_HUB_FOLDER,
        title=f"{fname} (registered in DATA_HUB as {name!r})",
        files=(DataFile(name=fname, urls=(url,), checksum=f"sha1:{sha1}"),),
    )
    return key, fname


@book_data_advice("or pass cache_dir= a data directory that holds it")
def download(name: str, cache_dir: str | os.PathLike[str] | None = None) -> str:
    """The verified local path of ``DATA_HUB[name]``, downloaded only if it is not here.

    ``cache_dir`` is the data directory (default ``$D2LKIT_DATA``, then
    ``~/.cache/d2lkit``), not the book's ``../data``. The entry is read as it is
    now: the one registered last is used, with its URL and sha1.
    """
    url, sha1, _ = _hub_entry(name)
    root = None if cache_dir is None or Path(cache_dir) == Path("..", "data") else cache_dir
    return str(store_path(name, url, sha1, root))


def store_path(
    name: str, url: str, sha1: str | None, root: str | os.PathLike[str] | None = None
) -> Path:
    """The verified path in d2lkit's store of the book's file ``url``, fetched only if absent.

    A sha1 the catalog knows is the catalog's file; another is the user's own
    (``hub:<name>``). Without a sha1 (the English edition's ``download(url)``)
    only a file the catalog knows by name can be verified, so only it is served.
    """
    fname = urllib.parse.unquote(urllib.parse.urlsplit(url).path).rsplit("/", 1)[-1]
    if sha1 is not None:
        dataset, file = _register(name, url, sha1.lower(), fname)
    else:
        dataset, file = _known_by_name(fname)
    try:
        return require(dataset, file, root)
    except DataSetUnavailable:  # missing, and downloads are off or impossible: say so
        raise
    except DataError:  # a damaged copy: fetch replaces it
        log.warning("downloading %s from %s", fname, url)
        fetch(dataset, root, hints="library")
        return require(dataset, file, root)


def _known_by_name(fname: str) -> tuple[str, str]:
    """The catalog's (data set, file) named ``fname``; one that is not there cannot be verified."""
    for ds in DATASETS.values():
        if not ds.name.startswith("hub:"):
            for entry in ds.files:
                if entry.name == fname:
                    return ds.name, entry.name
    raise DataError(
        f"{fname} is not a file d2lkit knows, and no sha1 was given to verify it",
        fix="pass the file's sha1_hash (the book gives one for each of its files)",
    )


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
    if archive.is_dir():  # the store keeps this archive extracted: see unpacked_copy
        return unpacked_copy(name, archive, folder)
    stem, ext = os.path.splitext(archive.name)
    if ext not in (".zip", ".tar", ".gz", ".tgz"):
        raise DataError(
            f"{archive.name} is not a zip/tar archive", fix="use download(name) for plain files"
        )
    if stem.endswith(".tar"):
        stem = stem[: -len(".tar")]
    root = _extract_root(archive)
    if not root.is_dir():
        extract_archive(archive, root, elsewhere=f"set ${ENV_CACHE} to a writable folder")
    if folder:
        return str(root / folder)
    inner = root / stem
    return str(inner if inner.is_dir() else root)


def unpacked_copy(name: str, unpacked: Path, folder: str | None) -> str:
    """The book's extracted folder, for an archive the store keeps extracted.

    The section gets a linked working copy in d2lkit's cache (the book writes
    ``train_valid_test/`` into it; the store's folder stays as verified). The
    store installs an archive's single top folder as the folder itself, so a
    ``folder`` that starts with that top folder (``VOCdevkit/VOC2012``) is
    found without it.
    """
    digest = hashlib.sha1(str(unpacked.resolve()).encode()).hexdigest()[:12]
    root = linked_copy(unpacked, cache_dir() / "extracted" / f"{name}-{digest}")
    if not folder:
        return str(root)
    parts = Path(folder).parts
    inner = root.joinpath(*parts)
    if not inner.exists() and len(parts) > 1 and root.joinpath(*parts[1:]).exists():
        inner = root.joinpath(*parts[1:])
    return str(inner)


def download_all() -> None:
    """Download every file of ``DATA_HUB`` (those already here are only verified)."""
    for name in DATA_HUB:
        download(name)
