"""BERT's input layout (14.8): ``<cls> A <sep> [B <sep>]``, segment ids, padded id tensors.

Used by the pretraining examples of 14.9 and by fine-tuning on sentence
pairs (15.7). The special tokens are the book's: ``<cls>``, ``<sep>``,
``<pad>`` (and ``<mask>`` for the masked language model).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from d2lkit.data.text import Vocab

__all__ = [
    "BERT_RESERVED",
    "encode_bert_pairs",
    "get_tokens_and_segments",
    "truncate_pair_of_tokens",
]

# The vocabulary's reserved tokens after <unk>, in the book's order (14.9).
BERT_RESERVED = ("<pad>", "<mask>", "<cls>", "<sep>")


def get_tokens_and_segments(
    tokens_a: Sequence[str], tokens_b: Sequence[str] | None = None
) -> tuple[list[str], list[int]]:
    """``['<cls>', *a, '<sep>', (*b, '<sep>')]`` and segment ids: 0 for A's part, 1 for B's."""
    tokens = ["<cls>", *tokens_a, "<sep>"]
    segments = [0] * (len(tokens_a) + 2)
    if tokens_b is not None:
        tokens += [*tokens_b, "<sep>"]
        segments += [1] * (len(tokens_b) + 1)
    return tokens, segments


def truncate_pair_of_tokens(
    tokens_a: list[str], tokens_b: list[str], max_len: int
) -> tuple[list[str], list[str]]:
    """Drop last tokens, from the longer side (B on a tie), until both fit ``max_len - 3``.

    The three places left are ``<cls>`` and the two ``<sep>``. The lists are
    shortened in place, as in the book, and returned.
    """
    budget = max_len - 3
    if budget < 0:
        raise ValueError(f"max_len must leave room for <cls> and two <sep>, got {max_len}")
    while len(tokens_a) + len(tokens_b) > budget:
        if len(tokens_a) > len(tokens_b):
            tokens_a.pop()
        else:
            tokens_b.pop()
    return tokens_a, tokens_b


def encode_bert_pairs(
    pairs: Sequence[tuple[Sequence[str], Sequence[str]]], vocab: Vocab, max_len: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(token ids ``(N, max_len)``, segments ``(N, max_len)``, valid lengths ``(N,)``) of pairs.

    Each pair is cut to fit (:func:`truncate_pair_of_tokens`), laid out by
    :func:`get_tokens_and_segments`, and padded with ``<pad>`` and segment 0.
    """
    token_ids = torch.full((len(pairs), max_len), vocab["<pad>"], dtype=torch.int64)
    segments = torch.zeros(len(pairs), max_len, dtype=torch.int64)
    valid_lens = torch.empty(len(pairs), dtype=torch.int64)
    for i, (a, b) in enumerate(pairs):
        a, b = truncate_pair_of_tokens(list(a), list(b), max_len)
        tokens, segs = get_tokens_and_segments(a, b)
        token_ids[i, : len(tokens)] = torch.tensor(vocab[tokens], dtype=torch.int64)
        segments[i, : len(segs)] = torch.tensor(segs, dtype=torch.int64)
        valid_lens[i] = len(tokens)
    return token_ids, segments, valid_lens
