"""IMDb movie reviews for sentiment analysis (15.1): the full set and the tiny sample.

``aclimdb`` is Stanford's ``aclImdb_v1.tar.gz`` (25,000 training and 25,000
test reviews, half positive); ``aclimdb-tiny`` the first edition's 20 + 20
sample. Reviews are read straight from the archive, in one pass, nothing
extracted. Within a split, positive reviews come first, then negative ones,
each in file-name order (the book lists folders, in no set order); labels
are 1 (positive) and 0 (negative), as int64 tensors.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import torch

from d2lkit.data.access import require
from d2lkit.data.archive import read_tar_files, read_zip_member, zip_members
from d2lkit.data.files import decode_text
from d2lkit.data.loaders import TensorLoader
from d2lkit.data.text import Vocab, encode_padded, tokenize
from d2lkit.errors import ConfigError, DataError

__all__ = [
    "IMDB_SETS",
    "load_data_imdb",
    "read_imdb",
    "read_imdb_folder",
    "read_imdb_splits",
]

Root = str | os.PathLike[str] | None
Reviews = tuple[list[str], torch.Tensor]
SPLITS = ("train", "test")
# data set -> (archive, its top folder)
IMDB_SETS = {
    "aclimdb": ("aclImdb_v1.tar.gz", "aclImdb"),
    "aclimdb-tiny": ("aclImdb_tiny.zip", "aclImdb_tiny"),
}
_LABELS = {"pos": 1, "neg": 0}


def _review(data: bytes, name: str) -> str:
    # The book drops line breaks (the reviews mark paragraphs with <br />).
    return decode_text(data, name).replace("\n", "")


def _archive_reviews(path: Path, top: str) -> Iterator[tuple[str, str, str, str]]:
    """(split, pos/neg, file name, text) of every labelled review in the archive."""

    def wanted(member: str) -> tuple[str, str, str] | None:
        parts = member.split("/")
        ok = (
            len(parts) == 4
            and parts[0] == top
            and parts[1] in SPLITS
            and parts[2] in _LABELS
            and parts[3].endswith(".txt")
        )
        return (parts[1], parts[2], parts[3]) if ok else None

    if path.name.endswith(".zip"):
        for member in zip_members(path):  # the tiny sample: 40 reviews
            if key := wanted(member):
                yield (*key, _review(read_zip_member(path, member), f"{path}:{member}"))
        return
    for member, data in read_tar_files(path, lambda name: wanted(name) is not None):
        split, label, name = wanted(member) or ("", "", "")
        yield split, label, name, _review(data, f"{path}:{member}")


def _ordered(rows: list[tuple[str, str, str]]) -> Reviews:
    """Positive then negative reviews, each by file name; their labels."""
    rows.sort(key=lambda r: (-_LABELS[r[0]], r[1]))
    return [r[2] for r in rows], torch.tensor([_LABELS[r[0]] for r in rows], dtype=torch.int64)


def _check_set(dataset: str) -> tuple[str, str]:
    if dataset not in IMDB_SETS:
        raise ConfigError(
            f"unknown IMDb data set {dataset!r}", fix=f"use one of: {', '.join(IMDB_SETS)}"
        )
    return IMDB_SETS[dataset]


def read_imdb_splits(
    dataset: str = "aclimdb", root: Root = None, *, download: bool = True
) -> dict[str, Reviews]:
    """Both splits in one pass over the archive: ``{"train": (texts, labels), "test": ...}``."""
    file, top = _check_set(dataset)
    path = require(dataset, file, root, download=download)
    rows: dict[str, list[tuple[str, str, str]]] = {split: [] for split in SPLITS}
    for split, label, name, text in _archive_reviews(path, top):
        rows[split].append((label, name, text))
    if not all(rows.values()):
        raise DataError(
            f"{path} holds no reviews in {top}/train/ or {top}/test/ (pos/ and neg/ *.txt)",
            fix=f"delete {path} and fetch it again (`d2lkit data fetch {dataset}`)",
        )
    return {split: _ordered(found) for split, found in rows.items()}


def read_imdb(
    split: str = "train", root: Root = None, *, dataset: str = "aclimdb", download: bool = True
) -> Reviews:
    """The reviews of one split and their labels (1 positive, 0 negative).

    ``dataset="aclimdb-tiny"`` reads the first edition's 20 + 20 sample.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    return read_imdb_splits(dataset, root, download=download)[split]


def read_imdb_folder(folder: str | os.PathLike[str], split: str = "train") -> Reviews:
    """The reviews of an extracted ``aclImdb`` folder (``<folder>/<split>/pos|neg/*.txt``)."""
    rows = []
    for label in _LABELS:
        sub = Path(folder) / split / label
        if not sub.is_dir():
            raise DataError(
                f"{sub} is not a folder: {folder} is not an extracted aclImdb folder",
                fix="point at the folder that holds train/ and test/ (aclImdb/)",
            )
        rows += [(label, p.name, _review(p.read_bytes(), str(p))) for p in sub.glob("*.txt")]
    return _ordered(rows)


def load_data_imdb(
    batch_size: int,
    num_steps: int = 500,
    *,
    dataset: str = "aclimdb",
    root: Root = None,
    min_freq: int = 5,
    seed: int = 0,
    device: torch.device | str | None = None,
    vocab_type: type[Vocab] = Vocab,
) -> tuple[TensorLoader, TensorLoader, Vocab]:
    """(shuffled train loader, test loader in order, vocabulary) of (token ids, label) batches.

    The book's pipeline: words split on whitespace, a vocabulary (``vocab_type``:
    ``Vocab`` by frequency, or the English edition's ``SortedVocab``) of the
    training words seen ``min_freq`` times, every review cut or padded to
    ``num_steps`` ids ``(B, num_steps)`` (with ``<unk>``: the vocabulary has no
    ``<pad>``); labels ``(B,)`` int64.
    """
    splits = read_imdb_splits(dataset, root)
    train_tokens = tokenize(splits["train"][0], "word")
    test_tokens = tokenize(splits["test"][0], "word")
    vocab = vocab_type(train_tokens, min_freq=min_freq)
    train = TensorLoader(
        encode_padded(train_tokens, vocab, num_steps),
        splits["train"][1],
        batch_size=batch_size,
        shuffle=True,
        seed=seed,
        device=device,
    )
    test = TensorLoader(
        encode_padded(test_tokens, vocab, num_steps),
        splits["test"][1],
        batch_size=batch_size,
        device=device,
    )
    return train, test, vocab
