"""Text corpora, tokens, vocabularies and the minibatches of language models (8.2-8.3).

Readers return token lists and a :class:`Vocab`; corpora of indices are int64
tensors; the two samplers of 8.3 slice those tensors (no per-token Python) and
draw from a ``torch.Generator``, so a seed gives the same batches every time.
"""

from __future__ import annotations

import collections
import operator
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import SupportsIndex, overload

import torch

from d2lkit.data.access import require
from d2lkit.data.archive import read_zip_member
from d2lkit.data.files import decode_text, read_text

__all__ = [
    "SeqDataLoader",
    "SortedVocab",
    "Vocab",
    "count_corpus",
    "encode_padded",
    "load_corpus_jay_lyrics",
    "load_corpus_time_machine",
    "load_data_jay_lyrics",
    "load_data_time_machine",
    "next_token_windows",
    "read_jay_lyrics",
    "read_time_machine",
    "seq_data_iter_random",
    "seq_data_iter_sequential",
    "tokenize",
]

Root = str | os.PathLike[str] | None
Tokens = Sequence[str] | Sequence[Sequence[str]]


# --- tokens and vocabularies -------------------------------------------------


def tokenize(lines: Iterable[str], token: str = "word") -> list[list[str]]:
    """Split each line into words (on whitespace) or characters."""
    if token == "word":
        return [line.split() for line in lines]
    if token == "char":
        return [list(line) for line in lines]
    raise ValueError(f"token must be 'word' or 'char', got {token!r}")


def count_corpus(tokens: Tokens) -> collections.Counter[str]:
    """Token frequencies of a list of tokens or of a list of token lists."""
    if tokens and isinstance(tokens[0], list | tuple):
        return collections.Counter(t for line in tokens for t in line)
    return collections.Counter(tokens)  # type: ignore[arg-type]


class Vocab:
    """Tokens <-> indices: ``<unk>`` is 0, reserved tokens next, then by falling frequency.

    Tokens seen fewer than ``min_freq`` times map to ``<unk>``. Ties keep the
    order of first appearance, so the same text always gives the same indices.
    """

    unk = 0

    def __init__(
        self,
        tokens: Tokens | None = None,
        min_freq: int = 0,
        reserved_tokens: Sequence[str] | None = None,
    ) -> None:
        counter = count_corpus(tokens or [])
        self._token_freqs = sorted(counter.items(), key=lambda kv: kv[1], reverse=True)
        self.idx_to_token = ["<unk>", *(reserved_tokens or [])]
        self.token_to_idx = {token: i for i, token in enumerate(self.idx_to_token)}
        for token, freq in self._token_freqs:
            if freq < min_freq:
                break
            if token not in self.token_to_idx:
                self.token_to_idx[token] = len(self.idx_to_token)
                self.idx_to_token.append(token)

    @classmethod
    def from_tokens(cls, idx_to_token: Sequence[str]) -> Vocab:
        """A vocabulary with exactly these tokens at these indices (a saved one, e.g. a
        pretrained model's); index 0 answers for unknown tokens, as always."""
        vocab = cls()
        vocab.idx_to_token = list(idx_to_token)
        vocab.token_to_idx = {token: i for i, token in enumerate(vocab.idx_to_token)}
        return vocab

    def __len__(self) -> int:
        return len(self.idx_to_token)

    @overload
    def __getitem__(self, tokens: str) -> int: ...  # type: ignore[overload-overlap]
    @overload
    def __getitem__(self, tokens: Sequence[str]) -> list[int]: ...
    def __getitem__(self, tokens: str | Sequence[str]) -> int | list[int]:
        """The index of a token, or the list of indices of a sequence of tokens."""
        if isinstance(tokens, str):
            return self.token_to_idx.get(tokens, self.unk)
        get = self.token_to_idx.get
        return [get(t, self.unk) for t in tokens]

    def to_tokens(self, indices: SupportsIndex | Sequence[int] | torch.Tensor) -> str | list[str]:
        """The tokens of ``indices``: one for an integer (Python's, numpy's, a 0-d tensor),
        a list for a list or a tensor of them."""
        if isinstance(indices, torch.Tensor):
            indices = indices.tolist()
        if isinstance(indices, SupportsIndex):
            try:  # a numpy array has __index__ too, but only a scalar one is an index
                return self.idx_to_token[operator.index(indices)]
            except TypeError:
                pass
        return [self.idx_to_token[int(i)] for i in indices]  # type: ignore[union-attr]

    def encode(self, tokens: Sequence[str]) -> torch.Tensor:
        """The indices of ``tokens`` as an int64 tensor."""
        return torch.tensor(self[list(tokens)], dtype=torch.int64)

    @property
    def token_freqs(self) -> list[tuple[str, int]]:
        """(token, count) of every token of the text, most frequent first."""
        return self._token_freqs

    def __repr__(self) -> str:
        return f"Vocab({len(self)} tokens: {self.idx_to_token[:6]}...)"


def encode_padded(
    lines: Sequence[Sequence[str]], vocab: Vocab, num_steps: int, pad: str = "<pad>"
) -> torch.Tensor:
    """Token ids ``(N, num_steps)``: each line cut to ``num_steps`` or padded with ``vocab[pad]``.

    The book's ``truncate_pad`` over a whole data set; a vocabulary without
    ``pad`` pads with ``<unk>`` (index 0), as the book's IMDb loader does.
    """
    out = torch.full((len(lines), num_steps), vocab[pad], dtype=torch.int64)
    for i, line in enumerate(lines):
        ids = vocab[list(line[:num_steps])]
        out[i, : len(ids)] = torch.tensor(ids, dtype=torch.int64)
    return out


class SortedVocab(Vocab):
    """The English edition's vocabulary (d2l 1.0, 9.2): every kept token in sorted order.

    ``<unk>``, the reserved tokens and the tokens seen at least ``min_freq``
    times are sorted together (so ``<unk>`` is not always 0: see :attr:`unk`).
    Sorting makes indices independent of how often tokens occur; the Chinese
    edition's :class:`Vocab` orders by frequency instead.
    """

    def __init__(
        self,
        tokens: Tokens | None = None,
        min_freq: int = 0,
        reserved_tokens: Sequence[str] | None = None,
    ) -> None:
        counter = count_corpus(tokens or [])
        self._token_freqs = sorted(counter.items(), key=lambda kv: kv[1], reverse=True)
        kept = {t for t, freq in self._token_freqs if freq >= min_freq}
        self.idx_to_token = sorted({"<unk>", *(reserved_tokens or []), *kept})
        self.token_to_idx = {token: i for i, token in enumerate(self.idx_to_token)}

    @property
    def unk(self) -> int:  # type: ignore[override]  # Vocab's class attribute 0, sorted here
        return self.token_to_idx["<unk>"]


def next_token_windows(corpus: torch.Tensor, num_steps: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Every window of ``num_steps`` tokens (X) and the same window one token later (Y).

    ``X[i] = corpus[i : i + T]``, ``Y[i] = corpus[i + 1 : i + T + 1]``, for all
    ``len(corpus) - T`` starts (d2l 1.0's language-model data, 9.3): views of
    the corpus, no copy.
    """
    windows = corpus.unfold(0, num_steps + 1, 1)  # (N - T, T + 1)
    return windows[:, :-1], windows[:, 1:]


def _corpus(tokens: list[list[str]], vocab: Vocab, max_tokens: int) -> torch.Tensor:
    flat = [t for line in tokens for t in line]
    if max_tokens > 0:
        flat = flat[:max_tokens]
    return vocab.encode(flat)


# --- The Time Machine ----------------------------------------------------------


def read_time_machine(root: Root = None, *, download: bool = True) -> list[str]:
    """The book's lines: anything but letters becomes a space, then lower case (3221 lines)."""
    text = read_text(require("time-machine", "timemachine.txt", root, download=download))
    return [re.sub("[^A-Za-z]+", " ", line).strip().lower() for line in text.splitlines()]


def load_corpus_time_machine(
    max_tokens: int = -1, root: Root = None, token: str = "char"
) -> tuple[torch.Tensor, Vocab]:
    """The Time Machine as a tensor of token indices and its vocabulary (8.2)."""
    tokens = tokenize(read_time_machine(root), token)
    vocab = Vocab(tokens)
    return _corpus(tokens, vocab, max_tokens), vocab


# --- sampling minibatches of sequences (8.3) ---------------------------------


def _as_corpus(corpus: torch.Tensor | Sequence[int]) -> torch.Tensor:
    return torch.as_tensor(corpus, dtype=torch.int64)


def seq_data_iter_random(
    corpus: torch.Tensor | Sequence[int],
    batch_size: int,
    num_steps: int,
    generator: torch.Generator | None = None,
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Random sampling: (X, Y) of shape (batch_size, num_steps) from random disjoint windows.

    A random offset below ``num_steps`` starts the partition into windows; each
    window is used at most once per epoch, in random order; Y is X shifted by one.
    """
    corpus = _as_corpus(corpus)
    offset = int(torch.randint(0, num_steps, (1,), generator=generator))
    num_subseqs = (corpus.numel() - offset - 1) // num_steps
    starts = offset + num_steps * torch.randperm(num_subseqs, generator=generator)
    steps = torch.arange(num_steps)
    for i in range(0, batch_size * (num_subseqs // batch_size), batch_size):
        index = starts[i : i + batch_size, None] + steps  # (B, T)
        yield corpus[index], corpus[index + 1]


def seq_data_iter_sequential(
    corpus: torch.Tensor | Sequence[int],
    batch_size: int,
    num_steps: int,
    generator: torch.Generator | None = None,
    random_offset: bool = True,
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Sequential partitioning: row r of each batch continues row r of the one before.

    After a random offset of at most ``num_steps``, the corpus is cut into
    ``batch_size`` contiguous rows whose length is a multiple of ``num_steps``,
    so every position from the offset on is served exactly once per epoch (the
    book's rows may end with a few tokens it never serves; only the tail after
    the last full batch is left here). ``random_offset=False`` starts every
    epoch at the first token, as the first edition's ``data_iter_consecutive``
    does: the same batches every epoch (its rows are cut a little longer and
    their last tokens never served; the batch count is the same).
    """
    corpus = _as_corpus(corpus)
    offset = int(torch.randint(0, num_steps + 1, (1,), generator=generator)) if random_offset else 0
    num_batches = (corpus.numel() - offset - 1) // (batch_size * num_steps)
    length = num_batches * num_steps  # tokens per row
    Xs = corpus[offset : offset + batch_size * length].reshape(batch_size, length)
    Ys = corpus[offset + 1 : offset + 1 + batch_size * length].reshape(batch_size, length)
    for i in range(0, length, num_steps):
        yield Xs[:, i : i + num_steps], Ys[:, i : i + num_steps]


class SeqDataLoader:
    """Minibatches of (X, Y) token sequences over a corpus, a new random start every epoch.

    ``random_offset=False`` (sequential sampling only) starts every epoch at the
    first token instead, as the first edition did.

    The loader owns its generator: the same seed gives the same epochs, and
    ``state_dict`` lets a checkpoint resume them.
    """

    def __init__(
        self,
        corpus: torch.Tensor | Sequence[int],
        vocab: Vocab,
        batch_size: int,
        num_steps: int,
        use_random_iter: bool = False,
        seed: int = 0,
        random_offset: bool = True,
    ) -> None:
        self.corpus, self.vocab = _as_corpus(corpus), vocab
        self.batch_size, self.num_steps = batch_size, num_steps
        self.use_random_iter, self.random_offset = use_random_iter, random_offset
        self.generator = torch.Generator().manual_seed(seed)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        if self.use_random_iter:
            return seq_data_iter_random(
                self.corpus, self.batch_size, self.num_steps, self.generator
            )
        return seq_data_iter_sequential(
            self.corpus, self.batch_size, self.num_steps, self.generator, self.random_offset
        )

    def __len__(self) -> int:
        """Batches per epoch at most: after its random offset an epoch may serve one fewer."""
        return (self.corpus.numel() - 1) // (self.batch_size * self.num_steps)

    def state_dict(self) -> dict[str, torch.Tensor]:
        """The generator's state: restoring it replays the same future epochs."""
        return {"generator": self.generator.get_state()}

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        """Resume the epochs saved by :meth:`state_dict`."""
        self.generator.set_state(state["generator"])


def load_data_time_machine(
    batch_size: int,
    num_steps: int,
    use_random_iter: bool = False,
    max_tokens: int = 10000,
    *,
    root: Root = None,
    seed: int = 0,
) -> tuple[SeqDataLoader, Vocab]:
    """The book's character-level Time Machine loader and its vocabulary (8.3)."""
    corpus, vocab = load_corpus_time_machine(max_tokens, root)
    return SeqDataLoader(corpus, vocab, batch_size, num_steps, use_random_iter, seed), vocab


# --- Jay Chou lyrics (first edition) -----------------------------------------


def read_jay_lyrics(root: Root = None, *, download: bool = True) -> str:
    """The lyrics as one string, line breaks turned into spaces (64,925 characters)."""
    path = require("jaychou-lyrics", "jaychou_lyrics.txt.zip", root, download=download)
    text = decode_text(read_zip_member(path, "jaychou_lyrics.txt"), f"{path}:jaychou_lyrics.txt")
    return text.replace("\n", " ").replace("\r", " ")


def load_corpus_jay_lyrics(
    max_tokens: int = 10000, root: Root = None
) -> tuple[torch.Tensor, Vocab]:
    """The first ``max_tokens`` characters as indices, and their vocabulary (first edition)."""
    chars = list(read_jay_lyrics(root))
    if max_tokens > 0:
        chars = chars[:max_tokens]
    vocab = Vocab(chars)
    return vocab.encode(chars), vocab


def load_data_jay_lyrics(
    batch_size: int,
    num_steps: int,
    use_random_iter: bool = False,
    max_tokens: int = 10000,
    *,
    root: Root = None,
    seed: int = 0,
) -> tuple[SeqDataLoader, Vocab]:
    """A character-level loader over the lyrics, as for The Time Machine."""
    corpus, vocab = load_corpus_jay_lyrics(max_tokens, root)
    return SeqDataLoader(corpus, vocab, batch_size, num_steps, use_random_iter, seed), vocab
