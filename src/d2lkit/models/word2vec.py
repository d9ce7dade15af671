"""word2vec's skip-gram with negative sampling (14.1, 14.4), and queries on word vectors (14.7).

A batch is ``(center (B, 1), contexts_and_negatives (B, L), mask (B, L), label (B, L))``
(:mod:`d2lkit.data.ptb`); the model scores each center against each of its L
words by the dot product of the center's vector (``embed_v``) and the word's
context vector (``embed_u``). The loss is the binary cross-entropy of those
scores, padding masked out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import torch
from torch import nn
from torch.nn import functional as F

from d2lkit.errors import ConfigError
from d2lkit.models.registry import register_model

__all__ = [
    "SigmoidBCELoss",
    "SkipGram",
    "TokenIndex",
    "get_analogy",
    "get_similar_tokens",
    "knn",
    "skip_gram",
    "word2vec",
    "word2vec_tiny",
]


def skip_gram(
    center: torch.Tensor,
    contexts_and_negatives: torch.Tensor,
    embed_v: nn.Module,
    embed_u: nn.Module,
) -> torch.Tensor:
    """Scores ``(B, 1, L)``: center vectors ``(B, 1, d)`` times context vectors ``(B, L, d)``."""
    v = embed_v(center)  # (B, 1, d)
    u = embed_u(contexts_and_negatives)  # (B, L, d)
    return torch.bmm(v, u.transpose(1, 2))  # (B, 1, L)


class SkipGram(nn.Module):
    """Two embedding tables: ``embed_v`` for center words, ``embed_u`` for context words.

    Both start Xavier-uniform, as the book's training function initialises them
    (14.4). After training, ``embed_v.weight`` holds the word vectors.
    """

    def __init__(self, vocab_size: int, embed_size: int) -> None:
        super().__init__()
        self.embed_v = nn.Embedding(vocab_size, embed_size)
        self.embed_u = nn.Embedding(vocab_size, embed_size)
        for table in (self.embed_v, self.embed_u):
            nn.init.xavier_uniform_(table.weight)

    def forward(self, center: torch.Tensor, contexts_and_negatives: torch.Tensor) -> torch.Tensor:
        return skip_gram(center, contexts_and_negatives, self.embed_v, self.embed_u)


class SigmoidBCELoss(nn.Module):
    """Binary cross-entropy on logits, weighted by ``mask`` (0 on padding), mean over dim 1.

    ``forward(inputs (B, L), target (B, L), mask (B, L))`` returns ``(B,)``: each
    row's sum over its valid positions divided by L (all positions, as the
    book's loss does). Multiply by ``L / mask.sum(1)`` for the mean over the
    valid ones (:class:`d2lkit.train.text_tasks.SkipGramTask` does).
    """

    def forward(
        self, inputs: torch.Tensor, target: torch.Tensor, mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        weight = None if mask is None else mask.to(inputs.dtype)
        out = F.binary_cross_entropy_with_logits(inputs, target, weight=weight, reduction="none")
        return out.mean(dim=1)


class TokenIndex(Protocol):
    """What the queries need of a vocabulary (a :class:`~d2lkit.data.text.Vocab` or a
    :class:`~d2lkit.data.embeddings.TokenEmbedding`): tokens by index and indices by token."""

    @property
    def idx_to_token(self) -> Sequence[str]: ...

    @property
    def token_to_idx(self) -> Mapping[str, int]: ...


def _index(vocab: TokenIndex, token: str) -> int:
    if token not in vocab.token_to_idx:
        raise ConfigError(
            f"{token!r} is not in the vocabulary ({len(vocab.idx_to_token)} tokens)",
            fix="ask for a word the vectors were trained on (lower case for GloVe)",
        )
    return vocab.token_to_idx[token]


def knn(W: torch.Tensor, x: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``k`` rows of ``W`` ``(N, d)`` most cosine-similar to ``x`` ``(d,)``: indices, cosines.

    1e-9 under the square root keeps all-zero rows (``<unk>``) at cosine 0.
    """
    x = x.reshape(-1)
    cos = (W @ x) / (torch.sqrt((W * W).sum(dim=1) + 1e-9) * torch.sqrt((x * x).sum()))
    cosines, indices = torch.topk(cos, k=k)
    return indices, cosines


def get_similar_tokens(
    query_token: str, k: int, W: torch.Tensor, vocab: TokenIndex
) -> list[tuple[str, float]]:
    """The ``k`` words nearest ``query_token`` by cosine similarity, with their cosines.

    ``W`` ``(N, d)`` holds one vector per token of ``vocab``; the query itself is left out.
    """
    q = _index(vocab, query_token)
    indices, cosines = knn(W, W[q], k + 1)
    found = [(int(i), float(c)) for i, c in zip(indices, cosines, strict=True) if int(i) != q]
    return [(vocab.idx_to_token[i], c) for i, c in found[:k]]


def get_analogy(
    token_a: str, token_b: str, token_c: str, W: torch.Tensor, vocab: TokenIndex
) -> str:
    """The word d with a : b :: c : d: the nearest to ``vec(b) - vec(a) + vec(c)`` (14.7).

    As in the book, the three words themselves are not excluded.
    """
    a, b, c = (_index(vocab, t) for t in (token_a, token_b, token_c))
    indices, _ = knn(W, W[b] - W[a] + W[c], 1)
    return vocab.idx_to_token[int(indices[0])]


@register_model
def word2vec(vocab_size: int = 6719, embed_size: int = 100) -> nn.Module:
    """Skip-gram of 14.4: 100-d vectors over the PTB vocabulary (6,719 words seen 10+ times)."""
    return SkipGram(vocab_size, embed_size)


@register_model
def word2vec_tiny(vocab_size: int = 20, embed_size: int = 4) -> nn.Module:
    """A 20-word, 4-d skip-gram, for fast tests."""
    return SkipGram(vocab_size, embed_size)
