"""Penn Tree Bank for word2vec pretraining (14.3): skip-gram pairs with negative sampling.

The book's steps and names, vectorised: subsampling, windows of context words
and negative draws are tensor operations over the whole corpus (a few seconds,
not minutes), all drawn from one ``torch.Generator`` so a seed reproduces them.
Variable-length rows (contexts, negatives) are :class:`Ragged`: a zero-padded
(N, L) tensor and the lengths.
"""

from __future__ import annotations

import collections
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from d2lkit.data.access import require
from d2lkit.data.archive import read_zip_member
from d2lkit.data.files import decode_text
from d2lkit.data.loaders import TensorLoader
from d2lkit.data.text import Vocab

__all__ = [
    "PTBLoader",
    "Ragged",
    "RandomGenerator",
    "batchify",
    "get_centers_and_contexts",
    "get_negatives",
    "load_data_ptb",
    "read_ptb",
    "subsample",
]

Root = str | os.PathLike[str] | None
PTBBatch = tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]
_CHUNK_SLOTS = 1 << 20  # negatives drawn per step: bounds the (slots, window) comparison


@dataclass(frozen=True)
class Ragged:
    """Rows of different lengths: ``values`` (N, L) padded with 0, ``lengths`` (N,)."""

    values: torch.Tensor
    lengths: torch.Tensor

    def __len__(self) -> int:
        return self.lengths.shape[0]

    def __getitem__(self, i: int) -> list[int]:
        return self.values[i, : int(self.lengths[i])].tolist()

    def __iter__(self) -> Iterator[list[int]]:
        for row, n in zip(self.values.tolist(), self.lengths.tolist(), strict=True):
            yield row[:n]

    def tolist(self) -> list[list[int]]:
        """The rows as Python lists, padding left out (the book's lists of lists)."""
        return list(self)

    @classmethod
    def from_lists(cls, rows: Sequence[Sequence[int]]) -> Ragged:
        """Pack lists of different lengths, as the book's examples are written."""
        width = max((len(r) for r in rows), default=0)
        values = torch.zeros(len(rows), width, dtype=torch.int64)
        for i, row in enumerate(rows):
            values[i, : len(row)] = torch.as_tensor(row, dtype=torch.int64)
        return cls(values, torch.tensor([len(r) for r in rows], dtype=torch.int64))


def read_ptb(split: str = "train", root: Root = None, *, download: bool = True) -> list[list[str]]:
    """Sentences of PTB's train (42,068), valid or test split, as word lists.

    The book counts 42,069 train sentences: its split on newlines keeps the empty
    string after the last one.
    """
    if split not in ("train", "valid", "test"):
        raise ValueError(f"split must be 'train', 'valid' or 'test', got {split!r}")
    path = require("ptb", "ptb.zip", root, download=download)
    member = f"ptb/ptb.{split}.txt"
    text = decode_text(read_zip_member(path, member), f"{path}:{member}")
    return [line.split() for line in text.splitlines()]


def _flatten(lines: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    flat = torch.tensor([i for line in lines for i in line], dtype=torch.int64)
    return flat, torch.tensor([len(line) for line in lines], dtype=torch.int64)


def _split(flat: torch.Tensor, lengths: torch.Tensor) -> list[list[int]]:
    values, out, start = flat.tolist(), [], 0
    for n in lengths.tolist():
        out.append(values[start : start + n])
        start += n
    return out


def _subsample_indices(
    flat: torch.Tensor,
    lengths: torch.Tensor,
    vocab: Vocab,
    generator: torch.Generator | None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Drop <unk> (``vocab.unk``: 0, or wherever a sorted vocabulary puts it), then keep a
    token of frequency f with probability sqrt(1e-4 / f)."""
    vocab_size = len(vocab)
    sentence = torch.repeat_interleave(torch.arange(lengths.numel()), lengths)
    known = flat != vocab.unk
    flat, sentence = flat[known], sentence[known]
    counts = torch.bincount(flat, minlength=vocab_size)
    freq = counts[flat].double() / flat.numel()
    keep = torch.rand(flat.numel(), generator=generator, dtype=torch.float64) < (1e-4 / freq).sqrt()
    kept_lengths = torch.bincount(sentence[keep], minlength=lengths.numel())
    return flat[keep], kept_lengths, counts


def subsample(
    sentences: Sequence[Sequence[str]], vocab: Vocab, generator: torch.Generator | None = None
) -> tuple[list[list[str]], collections.Counter[str]]:
    """The book's subsampling: frequent words are dropped more often; counts of known words.

    Returns the subsampled sentences and a Counter of the known tokens before
    subsampling (the frequencies that negative sampling draws from).
    """
    flat, lengths = _flatten([vocab[list(line)] for line in sentences])
    kept, kept_lengths, counts = _subsample_indices(flat, lengths, vocab, generator)
    tokens, unk = vocab.idx_to_token, vocab.unk
    counter = collections.Counter(
        {tokens[i]: int(c) for i, c in enumerate(counts.tolist()) if c and i != unk}
    )
    return [[tokens[i] for i in line] for line in _split(kept, kept_lengths)], counter


def _centers_contexts(
    flat: torch.Tensor,
    lengths: torch.Tensor,
    max_window_size: int,
    generator: torch.Generator | None,
) -> tuple[torch.Tensor, Ragged]:
    """Every token of a sentence of 2+ tokens is a center; its context is a random window."""
    sentence = torch.repeat_interleave(torch.arange(lengths.numel()), lengths)
    in_long = (lengths >= 2)[sentence]
    flat, sentence = flat[in_long], sentence[in_long]
    n = flat.numel()
    window = torch.randint(1, max_window_size + 1, (n,), generator=generator)
    offsets = torch.cat([torch.arange(-max_window_size, 0), torch.arange(1, max_window_size + 1)])
    pos = torch.arange(n)[:, None] + offsets  # (N, 2W), in corpus order
    inside = (pos >= 0) & (pos < n)
    pos = pos.clamp(0, max(n - 1, 0))
    valid = inside & (sentence[pos] == sentence[:, None]) & (offsets.abs() <= window[:, None])
    order = torch.argsort((~valid).to(torch.int8), dim=1, stable=True)  # valid ones first
    values = torch.where(valid, flat[pos], 0).gather(1, order)
    return flat, Ragged(values, valid.sum(1))


def get_centers_and_contexts(
    corpus: Sequence[Sequence[int]], max_window_size: int, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, Ragged]:
    """Center words and their context words (14.3): centers (N,) and contexts as Ragged.

    Each center draws a window size in 1..max_window_size; its contexts are the
    words of its sentence within that distance, in sentence order.
    """
    flat, lengths = _flatten(corpus)
    return _centers_contexts(flat, lengths, max_window_size, generator)


def _counts(vocab: Vocab, counter: Mapping[str, int] | torch.Tensor) -> torch.Tensor:
    if isinstance(counter, torch.Tensor):
        return counter.double()
    return torch.tensor([counter.get(t, 0) for t in vocab.idx_to_token], dtype=torch.float64)


class RandomGenerator:
    """Draws from {1, ..., n} with probability proportional to ``sampling_weights`` (14.3).

    Draws are made ``cache`` at a time (one ``torch.multinomial`` call), as the
    book caches 10,000 of them; :func:`get_negatives` draws for the whole corpus
    at once instead.
    """

    def __init__(
        self,
        sampling_weights: Sequence[float],
        generator: torch.Generator | None = None,
        cache: int = 10_000,
    ) -> None:
        self.population = list(range(1, len(sampling_weights) + 1))
        self.sampling_weights = torch.as_tensor(sampling_weights, dtype=torch.float64)
        if self.sampling_weights.numel() == 0 or (self.sampling_weights < 0).any():
            raise ValueError("sampling_weights must be one or more non-negative numbers")
        self.generator, self.cache = generator, cache
        self.candidates: list[int] = []
        self.i = 0

    def draw(self) -> int:
        """One draw, in 1..n."""
        if self.i == len(self.candidates):
            picks = torch.multinomial(
                self.sampling_weights, self.cache, replacement=True, generator=self.generator
            )
            self.candidates, self.i = (picks + 1).tolist(), 0
        self.i += 1
        return self.candidates[self.i - 1]


def get_negatives(
    all_contexts: Ragged,
    vocab: Vocab,
    counter: Mapping[str, int] | torch.Tensor,
    K: int,
    generator: torch.Generator | None = None,
) -> Ragged:
    """K noise words per context word, drawn with probability ∝ frequency^0.75 (14.3).

    Words 1..len(vocab)-1 are drawn (never <unk>); a draw that is one of the
    row's own context words is rejected and drawn again, as in the book.
    """
    weights = _counts(vocab, counter)[1:] ** 0.75
    need = all_contexts.lengths * K
    row = torch.repeat_interleave(torch.arange(len(all_contexts)), need)  # row of each slot
    slot = torch.arange(row.numel()) - torch.repeat_interleave(need.cumsum(0) - need, need)
    drawn = torch.zeros(row.numel(), dtype=torch.int64)
    for start in range(0, row.numel(), _CHUNK_SLOTS):
        pending = torch.arange(start, min(start + _CHUNK_SLOTS, row.numel()))
        while pending.numel():  # rejections are rare: a few rounds at most
            draw = 1 + torch.multinomial(
                weights, pending.numel(), replacement=True, generator=generator
            )
            clash = _is_context(draw, row[pending], all_contexts)
            drawn[pending[~clash]] = draw[~clash]
            pending = pending[clash]
    out = torch.zeros(len(all_contexts), all_contexts.values.shape[1] * K, dtype=torch.int64)
    out[row, slot] = drawn
    return Ragged(out, need)


def _is_context(words: torch.Tensor, rows: torch.Tensor, contexts: Ragged) -> torch.Tensor:
    """Whether each word is one of the context words of its row."""
    ctx = contexts.values[rows]  # (S, C)
    real = torch.arange(ctx.shape[1]) < contexts.lengths[rows, None]
    return ((ctx == words[:, None]) & real).any(1)


def _batchify_rows(
    centers: torch.Tensor,
    ctx: torch.Tensor,
    ctx_len: torch.Tensor,
    neg: torch.Tensor,
    neg_len: torch.Tensor,
) -> PTBBatch:
    """(centers (B, 1), contexts+negatives (B, L), masks, labels), L the batch's longest row."""
    total = ctx_len + neg_len
    width = int(total.max()) if total.numel() else 0
    j = torch.arange(width, device=centers.device).expand(len(centers), -1)  # (B, L)
    from_ctx = j < ctx_len[:, None]
    from_neg = ~from_ctx & (j < total[:, None])
    words = torch.zeros(len(centers), width, dtype=torch.int64, device=centers.device)
    if ctx.shape[1]:
        words = torch.where(from_ctx, ctx.gather(1, j.clamp(max=ctx.shape[1] - 1)), words)
    if neg.shape[1]:
        neg_at = (j - ctx_len[:, None]).clamp(0, neg.shape[1] - 1)
        words = torch.where(from_neg, neg.gather(1, neg_at), words)
    masks = (j < total[:, None]).long()
    return centers.reshape(-1, 1).long(), words.long(), masks, from_ctx.long()


def batchify(data: Sequence[tuple[int, Sequence[int], Sequence[int]]]) -> PTBBatch:
    """The book's batchify of (center, contexts, negatives) examples: padded, with masks and labels.

    Labels are 1 for context words; masks are 0 on padding.
    """
    centers = torch.tensor([center for center, _, _ in data], dtype=torch.int64)
    ctx = Ragged.from_lists([c for _, c, _ in data])
    neg = Ragged.from_lists([n for _, _, n in data])
    return _batchify_rows(centers, ctx.values, ctx.lengths, neg.values, neg.lengths)


class PTBLoader:
    """Shuffled minibatches of skip-gram examples, batchified on the fly (one gather each)."""

    def __init__(
        self,
        centers: torch.Tensor,
        contexts: Ragged,
        negatives: Ragged,
        batch_size: int,
        *,
        seed: int = 0,
        device: torch.device | str | None = None,
    ) -> None:
        self.loader = TensorLoader(
            centers,
            contexts.values,
            contexts.lengths,
            negatives.values,
            negatives.lengths,
            batch_size=batch_size,
            shuffle=True,
            seed=seed,
            device=device,
        )

    def __iter__(self) -> Iterator[PTBBatch]:
        for batch in self.loader:
            yield _batchify_rows(*batch)

    def __len__(self) -> int:
        return len(self.loader)

    @property
    def batch_size(self) -> int:
        """Center words per batch."""
        return self.loader.batch_size

    def set_epoch(self, epoch: int) -> None:
        """Draw epoch ``epoch``'s order from (seed, epoch), as :class:`TensorLoader` does."""
        self.loader.set_epoch(epoch)

    @property
    def num_examples(self) -> int:
        """Center words served per epoch."""
        return self.loader.num_examples

    def state_dict(self) -> dict[str, Any]:
        """The shuffling generator's state: restoring it replays the same epochs."""
        return self.loader.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Resume the epochs saved by :meth:`state_dict`."""
        self.loader.load_state_dict(state)


def load_data_ptb(
    batch_size: int,
    max_window_size: int,
    num_noise_words: int,
    *,
    root: Root = None,
    seed: int = 0,
    device: torch.device | str | None = None,
    vocab_type: type[Vocab] = Vocab,
) -> tuple[PTBLoader, Vocab]:
    """The book's PTB loader (words seen 10+ times) and its vocabulary; one seed for all draws.

    ``vocab_type`` builds the vocabulary: :class:`~d2lkit.data.text.Vocab` (by
    frequency, the Chinese edition's) or :class:`~d2lkit.data.text.SortedVocab`
    (the English edition's). Noise words are drawn among indices 1.., as the
    book's ``get_negatives``, whichever word index 0 holds.
    """
    generator = torch.Generator().manual_seed(seed)
    sentences = read_ptb("train", root)
    vocab = vocab_type(sentences, min_freq=10)
    flat, lengths = _flatten([vocab[line] for line in sentences])
    kept, kept_lengths, counts = _subsample_indices(flat, lengths, vocab, generator)
    centers, contexts = _centers_contexts(kept, kept_lengths, max_window_size, generator)
    negatives = get_negatives(contexts, vocab, counts, num_noise_words, generator)
    return PTBLoader(centers, contexts, negatives, batch_size, seed=seed, device=device), vocab
