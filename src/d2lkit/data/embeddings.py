"""Pretrained word vectors (14.7): GloVe and fastText text files as one tensor.

The book's hub serves each set as ``<name>.zip`` holding ``<name>/vec.txt``:
one word per line followed by its values, separated by single spaces; a
fastText file starts with a header line (word count, dimension), which is
skipped. Row 0 is ``<unk>``, a zero vector, so unknown words look up zeros.
The text is parsed by pandas' C reader (about 3 s for GloVe 6B 50-d), not
value by value in Python.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import overload

import torch

from d2lkit.data.access import require
from d2lkit.data.archive import read_zip_member
from d2lkit.data.files import decode_text
from d2lkit.errors import ConfigError, DataError

__all__ = [
    "EMBEDDINGS",
    "TokenEmbedding",
    "load_token_embedding",
    "parse_vectors",
    "read_vectors_file",
]

Root = str | os.PathLike[str] | None

# Data set name -> its zip in the catalog (the book's DATA_HUB keys).
EMBEDDINGS = {
    "glove.6b.50d": "glove.6B.50d.zip",
    "glove.6b.100d": "glove.6B.100d.zip",
    "glove.42b.300d": "glove.42B.300d.zip",
    "wiki.en": "wiki.en.zip",
}


_TRAILING_BLANKS = re.compile(r"[ \t\r]+(?=\n|\Z)")
_REFETCH = "delete the file and fetch it again (`d2lkit data fetch <data set>`)"


class TokenEmbedding:
    """Word vectors by token: ``idx_to_vec`` ``(N, d)`` float32, row 0 the ``<unk>`` zeros.

    ``emb[["a", "b"]]`` is ``(2, d)``, ``emb["a"]`` is ``(d,)``; unknown words get row 0.
    """

    unknown_idx = 0

    def __init__(self, idx_to_token: Sequence[str], idx_to_vec: torch.Tensor) -> None:
        if len(idx_to_token) != idx_to_vec.shape[0]:
            raise ValueError(
                f"{len(idx_to_token)} tokens but {idx_to_vec.shape[0]} vectors: they must pair up"
            )
        self.idx_to_token = list(idx_to_token)
        self.idx_to_vec = idx_to_vec
        # A word listed twice keeps its last row, as a dict built in file order does.
        self.token_to_idx = {token: i for i, token in enumerate(self.idx_to_token)}

    @property
    def dim(self) -> int:
        """The vectors' length ``d``."""
        return self.idx_to_vec.shape[1]

    def indices(self, tokens: Sequence[str]) -> torch.Tensor:
        """The rows of ``tokens`` (0 for unknown words), int64 ``(len(tokens),)``."""
        get = self.token_to_idx.get
        return torch.tensor([get(t, self.unknown_idx) for t in tokens], dtype=torch.int64)

    @overload
    def __getitem__(self, tokens: str) -> torch.Tensor: ...
    @overload
    def __getitem__(self, tokens: Sequence[str]) -> torch.Tensor: ...
    def __getitem__(self, tokens: str | Sequence[str]) -> torch.Tensor:
        if isinstance(tokens, str):
            return self.idx_to_vec[self.token_to_idx.get(tokens, self.unknown_idx)]
        return self.idx_to_vec[self.indices(tokens)]

    def __len__(self) -> int:
        return len(self.idx_to_token)

    def __repr__(self) -> str:
        return f"TokenEmbedding({len(self)} tokens, {self.dim}-d)"


def parse_vectors(text: str, source: str = "vectors", fix: str = _REFETCH) -> TokenEmbedding:
    """Word vectors from the text of a GloVe or fastText file.

    A first line of fewer than two values (fastText's ``count dim`` header) is
    skipped. ``source`` names the file and ``fix`` the way out in errors.
    """
    import pandas as pd

    text = _TRAILING_BLANKS.sub("", text)  # fastText ends each line with a space
    first, _, rest = text.partition("\n")
    if len(first.rstrip().split(" ")) - 1 > 1:
        rest = text  # no header: the first line is a vector
    try:
        frame = pd.read_csv(
            io.StringIO(rest),
            sep=" ",
            header=None,
            quoting=3,  # csv.QUOTE_NONE: a word may be a quote character
            na_filter=False,  # "null" and "nan" are words here
            dtype={0: str},
            engine="c",
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise DataError(
            f"{source} is not a word-vector file (one word, then its values, per line): {exc}",
            fix=fix,
        ) from None
    if frame.shape[1] < 3:
        raise DataError(
            f"{source} holds {frame.shape[1] - 1} value(s) per word: not word vectors",
            fix=fix,
        )
    values = frame.iloc[:, 1:]
    if not all(dtype.kind == "f" or dtype.kind == "i" for dtype in values.dtypes):
        raise DataError(
            f"{source} has a value that is not a number (after a word)",
            fix=fix,
        )
    vectors = torch.from_numpy(values.to_numpy(dtype="float32"))  # (N, d)
    zeros = torch.zeros(1, vectors.shape[1])
    return TokenEmbedding(["<unk>", *frame.iloc[:, 0].tolist()], torch.cat([zeros, vectors]))


def read_vectors_file(path: str | os.PathLike[str]) -> TokenEmbedding:
    """Word vectors from a ``vec.txt`` on disk (the book's extracted layout)."""
    fix = f"check that {path} is a GloVe or fastText text file"
    return parse_vectors(decode_text(Path(path).read_bytes(), str(path)), str(path), fix)


def load_token_embedding(name: str, root: Root = None, *, download: bool = True) -> TokenEmbedding:
    """A pretrained embedding by the book's name (``glove.6b.50d``, ``glove.6b.100d`` ...).

    Read from ``<name>.zip`` in the store (downloaded on first use unless
    ``download=False``), member ``<stem>/vec.txt``; nothing is extracted.
    """
    if name not in EMBEDDINGS:
        raise ConfigError(
            f"unknown pretrained embedding {name!r}", fix=f"use one of: {', '.join(EMBEDDINGS)}"
        )
    file = EMBEDDINGS[name]
    path = require(name, file, root, download=download)
    member = str(PurePosixPath(file.removesuffix(".zip")) / "vec.txt")
    text = decode_text(read_zip_member(path, member), f"{path}:{member}")
    fix = f"delete {path} and fetch it again (`d2lkit data fetch {name}`)"
    return parse_vectors(text, f"{path}:{member}", fix)
