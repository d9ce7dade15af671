"""Every data file d2lkit knows: where it comes from and how to recognise it.

One entry per file, listed once. ``checksum`` is of the file exactly as the
official URL serves it; ``content_sha256``, for a ``.gz`` file, is of the
decompressed bytes, so an unpacked copy (or a re-compressed one) is verified
too. Mirrors follow the official URL in ``urls``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from d2lkit.errors import DataError

__all__ = ["DATASETS", "DataFile", "Dataset", "get_dataset"]


@dataclass(frozen=True)
class DataFile:
    """One file of a data set, as it is downloaded."""

    name: str
    urls: tuple[str, ...]
    checksum: str  # "md5:…", "sha1:…" or "sha256:…" of the served bytes
    size: int | None = None  # bytes as served
    content_sha256: str | None = None  # of the decompressed bytes of a .gz
    format: str | None = None  # "idx": the IDX header is checked too

    @property
    def is_gzip(self) -> bool:
        return self.name.endswith(".gz")

    @property
    def unpacked_name(self) -> str:
        """The name of an unpacked copy of a ``.gz`` file (its own name otherwise)."""
        return self.name[:-3] if self.is_gzip else self.name


@dataclass(frozen=True)
class Dataset:
    """A named group of files that live together in ``<data dir>/<folder>``."""

    name: str
    folder: str
    title: str
    files: tuple[DataFile, ...]
    homepage: str = ""
    license: str = ""

    def file(self, name: str) -> DataFile:
        for entry in self.files:
            if name in (entry.name, entry.unpacked_name):
                return entry
        known = ", ".join(f.name for f in self.files)
        raise DataError(f"data set {self.name!r} has no file {name!r}", fix=f"use one of: {known}")


def _mirrored(bases: tuple[str, ...], name: str) -> tuple[str, ...]:
    return tuple(base + name for base in bases)


_FASHION_MNIST_URLS = (
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/",
)
_MNIST_URLS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)


def _idx_files(
    bases: tuple[str, ...], rows: tuple[tuple[str, str, int, str | None], ...]
) -> tuple[DataFile, ...]:
    return tuple(
        DataFile(
            name=name,
            urls=_mirrored(bases, name),
            checksum=f"md5:{md5}",
            size=size,
            content_sha256=content,
            format="idx",
        )
        for name, md5, size, content in rows
    )


FASHION_MNIST = Dataset(
    name="fashion-mnist",
    folder="fashion-mnist",
    title="Fashion-MNIST: 70,000 28x28 grey images of clothes, 10 classes",
    homepage="https://github.com/zalandoresearch/fashion-mnist",
    license="MIT",
    files=_idx_files(
        _FASHION_MNIST_URLS,
        (
            (
                "train-images-idx3-ubyte.gz",
                "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
                26421880,
                "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            ),
            (
                "train-labels-idx1-ubyte.gz",
                "25c81989df183df01b3e8a0aad5dffbe",
                29515,
                "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            ),
            (
                "t10k-images-idx3-ubyte.gz",
                "bef4ecab320f06d8554ea6380940ec79",
                4422102,
                "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            ),
            (
                "t10k-labels-idx1-ubyte.gz",
                "bb300cfdad3c16e7a12a480ee83cd310",
                5148,
                "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
            ),
        ),
    ),
)

# The official MNIST checksums are of the .gz downloads only; an unpacked MNIST
# file can therefore be checked for its structure but not for its content.
MNIST = Dataset(
    name="mnist",
    folder="mnist",
    title="MNIST: 70,000 28x28 grey images of handwritten digits, 10 classes",
    homepage="http://yann.lecun.com/exdb/mnist/",
    license="CC BY-SA 3.0",
    files=_idx_files(
        _MNIST_URLS,
        (
            ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873", 9912422, None),
            ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432", 28881, None),
            ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3", 1648877, None),
            ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c", 4542, None),
        ),
    ),
)

DATASETS: dict[str, Dataset] = {d.name: d for d in (FASHION_MNIST, MNIST)}


def get_dataset(name: str) -> Dataset:
    """Look up a data set by name; an unknown name suggests the closest ones."""
    try:
        return DATASETS[name]
    except KeyError:
        close = difflib.get_close_matches(name, DATASETS, n=3)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise DataError(
            f"unknown data set {name!r}",
            fix=f"{hint}`d2lkit data list` shows all {len(DATASETS)} data sets",
        ) from None
