"""BLEU: how many of a predicted sequence's n-grams the reference contains (d2l 9.7).

``exp(min(0, 1 - len_label / len_pred)) * prod_n p_n ** (1 / 2 ** n)`` for
``n = 1 .. k``, where ``p_n`` is the share of the prediction's n-grams found in
the label (each label n-gram matched at most as often as it occurs). The
brevity penalty punishes short predictions; longer n-grams weigh more.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

__all__ = ["bleu"]


def bleu(pred_tokens: str | Sequence[str], label_tokens: str | Sequence[str], k: int = 2) -> float:
    """BLEU of a prediction against one label, from 0 to 1 (1 for a perfect prediction).

    Tokens are given as sequences, or as strings split on single spaces as the book
    does. An empty prediction scores 0. The book's code divides by zero for n-grams
    longer than the prediction; here those orders are left out of the product (so a
    perfect prediction scores 1 even when shorter than ``k``).
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    pred, label = _tokens(pred_tokens), _tokens(label_tokens)
    if not pred:
        return 0.0
    score = math.exp(min(0.0, 1 - len(label) / len(pred)))
    for n in range(1, min(k, len(pred)) + 1):
        label_ngrams = Counter(tuple(label[i : i + n]) for i in range(len(label) - n + 1))
        pred_ngrams = Counter(tuple(pred[i : i + n]) for i in range(len(pred) - n + 1))
        # Clipped counts: a predicted n-gram matches at most as often as the label has it.
        matches = sum(min(count, label_ngrams[gram]) for gram, count in pred_ngrams.items())
        score *= math.pow(matches / (len(pred) - n + 1), math.pow(0.5, n))
    return score


def _tokens(seq: str | Sequence[str]) -> list[str]:
    if isinstance(seq, str):
        return seq.split(" ") if seq else []
    return list(seq)
