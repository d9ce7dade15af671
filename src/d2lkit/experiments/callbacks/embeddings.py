"""What trained word vectors have learned (14.4, 14.7): nearest words and analogies.

At the end of training :class:`NearestWords` looks the query words up in the
model's vectors, prints them as the book does (``cosine sim=0.773: microprocessor``),
draws ``nearest_words.png`` into the run folder and reports both in
summary.json (``nearest_words``, ``analogies``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

from d2lkit.models.word2vec import TokenIndex, get_analogy, get_similar_tokens
from d2lkit.train.callbacks import Callback
from d2lkit.train.trainer import Trainer
from d2lkit.viz import save_figure
from d2lkit.viz.words import show_nearest_words

__all__ = ["BOOK_ANALOGIES", "BOOK_QUERIES", "NearestWords", "center_vectors"]

BOOK_QUERIES = ("chip",)  # 14.4 asks for the 3 words nearest "chip"
# 14.7's analogies (a : b :: c : ?), asked of whatever vectors were trained
BOOK_ANALOGIES = (
    ("man", "woman", "son"),
    ("beijing", "china", "tokyo"),
    ("bad", "worst", "big"),
    ("do", "did", "go"),
)


def center_vectors(model: nn.Module) -> torch.Tensor:
    """A skip-gram's word vectors: its center-word table (``embed_v``), the book's ``net[0]``."""
    table = getattr(model, "embed_v", None)
    if not isinstance(table, nn.Embedding):
        raise TypeError(f"{type(model).__name__} has no embed_v table of word vectors")
    return table.weight.detach()


class NearestWords(Callback):
    """After training: the ``k`` nearest words of each query, and the analogies, where known.

    Queries or analogies with a word outside the vocabulary are left out (PTB's
    vocabulary has no "beijing"). Runs on the main process only.
    """

    main_only = True

    def __init__(
        self,
        vocab: TokenIndex,
        queries: Sequence[str] = BOOK_QUERIES,
        analogies: Sequence[tuple[str, str, str]] = BOOK_ANALOGIES,
        k: int = 3,
        vectors: Callable[[nn.Module], torch.Tensor] = center_vectors,
    ) -> None:
        self.vocab, self.k, self.vectors = vocab, k, vectors
        known = vocab.token_to_idx
        self.queries = [q for q in queries if q in known]
        self.analogies = [a for a in analogies if all(w in known for w in a)]
        self.similar: dict[str, list[tuple[str, float]]] = {}
        self.found: dict[str, str] = {}

    def on_fit_end(self, trainer: Trainer) -> None:
        W = self.vectors(trainer.model).float().cpu()
        self.similar = {q: get_similar_tokens(q, self.k, W, self.vocab) for q in self.queries}
        self.found = {
            f"{a} : {b} :: {c} :": get_analogy(a, b, c, W, self.vocab) for a, b, c in self.analogies
        }
        for query, found in self.similar.items():
            trainer.echo(
                f"nearest to {query!r}: " + ", ".join(f"cosine sim={c:.3f}: {w}" for w, c in found)
            )
        for question, answer in self.found.items():
            trainer.echo(f"{question} {answer}")
        if trainer.run_dir is not None:
            fig = show_nearest_words(self.similar, self.found, title="trained word vectors")
            save_figure(fig, trainer.run_dir / "nearest_words.png")

    def summary(self) -> dict[str, Any]:
        return {
            "nearest_words": {
                q: [[w, round(c, 4)] for w, c in found] for q, found in self.similar.items()
            },
            "analogies": dict(self.found),
        }
