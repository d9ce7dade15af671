"""The book's ``torchvision.datasets`` downloads served by d2lkit's store.

Some sections build torchvision's data sets themselves: 3.5 calls
``FashionMNIST(root="../data", download=True)``, 13.1 ``CIFAR10(...)``.
Without a network torchvision ends in a ``URLError`` traceback, and with one it
downloads again what the data directory may already hold. Importing
``d2lkit.torch`` (or ``d2lkit.v1.torch``) calls :func:`enable`: when one of
these data sets is not complete in its ``root``, its files come from the store
(verified, kept in the data directory, downloaded there once where there is a
network) and are put where torchvision looks (CIFAR-10's archive linked, for
torchvision to check and unpack; the MNIST files unpacked, as torchvision
keeps them), and torchvision goes on as usual. When the store cannot have
them, its one message names each file, its URL and the folder to put it in.

Only torchvision's own classes are served (``MNIST``, ``FashionMNIST``,
``CIFAR10``; not ``CIFAR100`` or other subclasses). Nothing is imported until
the section imports torchvision. For this process only;
``D2LKIT_BOOK_DATASETS=0`` opts out and :func:`disable` restores torchvision.
"""

from __future__ import annotations

import gzip
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from d2lkit.atomic import atomic_path
from d2lkit.compat.after_import import call_after_import, cancel

__all__ = ["ENV_OPT_OUT", "disable", "enable"]

ENV_OPT_OUT = "D2LKIT_BOOK_DATASETS"
# torchvision's class name -> the store's data set holding the same files
STORE_NAMES = {"MNIST": "mnist", "FashionMNIST": "fashion-mnist", "CIFAR10": "cifar-10"}
_ORIGINALS: dict[type, Callable[[Any], None]] = {}


def _complete(dataset: Any) -> bool:
    """torchvision's own test of whether the data set's files are in place."""
    if hasattr(dataset, "_check_integrity"):  # CIFAR10
        return bool(dataset._check_integrity())
    return bool(dataset._check_exists())  # MNIST, FashionMNIST


def _downloads_present(dataset: Any) -> bool:
    """Whether the files torchvision would download are already in place, whole (its MD5s):
    then torchvision unpacks them itself, and the store is not asked."""
    from torchvision.datasets.utils import check_integrity  # type: ignore[import-untyped]

    if hasattr(dataset, "resources"):  # MNIST, FashionMNIST
        folder = Path(dataset.raw_folder)
        return all(check_integrity(folder / name, md5) for name, md5 in dataset.resources)
    return bool(check_integrity(Path(dataset.root) / dataset.filename, dataset.tgz_md5))


def _download_folder(dataset: Any) -> Path:
    """Where torchvision's ``download()`` looks for (and keeps) the downloaded files."""
    return Path(getattr(dataset, "raw_folder", dataset.root))


def _link(source: Path, target: Path) -> None:
    """``target`` becomes the store's file: a symbolic link, a copy where links are refused."""
    if target.is_symlink() or target.exists():
        target.unlink()  # a partial or damaged download torchvision would overwrite anyway
    try:
        os.symlink(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _unpack(source: Path, target: Path) -> None:
    """``target`` becomes the store's ``.gz`` file unpacked, written whole or not at all."""
    with gzip.open(source, "rb") as packed, atomic_path(target) as part, open(part, "wb") as out:
        shutil.copyfileobj(packed, out, 1 << 20)


def _place(dataset: Any, files: list[Path]) -> None:
    """Put the store's files where torchvision's ``download()`` finds them complete.

    CIFAR-10's archive is the very file torchvision checks (same MD5): a link,
    which torchvision unpacks. The store's MNIST-format ``.gz`` files are checked
    by their content, and may be compressed otherwise than torchvision's MD5s
    expect; torchvision takes the unpacked files as they are, so they go in unpacked.
    """
    folder = _download_folder(dataset)
    folder.mkdir(parents=True, exist_ok=True)
    for path in files:
        if hasattr(dataset, "raw_folder") and path.suffix == ".gz":
            _unpack(path, folder / path.stem)
        else:
            _link(path, folder / path.name)


def _served_download(owner: type) -> Callable[[Any], None]:
    original = _ORIGINALS[owner]

    def download(self: Any) -> None:
        store_name = STORE_NAMES.get(type(self).__name__)
        if store_name is None or type(self).__module__.split(".")[0] != "torchvision":
            return original(self)
        if not _complete(self) and not _downloads_present(self):
            from d2lkit.data.access import fetch

            _place(self, fetch(store_name, hints="library", progress=True))
        return original(self)

    download.__d2lkit_book__ = True  # type: ignore[attr-defined]
    download.__wrapped__ = original  # type: ignore[attr-defined]
    return download


def _patch() -> None:
    from torchvision import datasets  # type: ignore[import-untyped]

    for owner in (datasets.MNIST, datasets.CIFAR10):  # FashionMNIST takes MNIST's download
        if getattr(owner.download, "__d2lkit_book__", False):
            continue
        _ORIGINALS[owner] = owner.download
        owner.download = _served_download(owner)


def enable() -> None:
    """Serve the three data sets from the store once torchvision is imported (now if it is)."""
    if os.environ.get(ENV_OPT_OUT, "").strip() in ("0", "false", "no", "off"):
        return
    call_after_import("torchvision", _patch)


def disable() -> None:
    """torchvision's own downloads again (and stop waiting for its import)."""
    cancel("torchvision")
    for owner, original in _ORIGINALS.items():
        owner.download = original  # type: ignore[attr-defined]
    _ORIGINALS.clear()
