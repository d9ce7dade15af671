"""What a pretrained BERT has learned (14.10): masked words it fills in, context it tells apart.

At the end of training :class:`BertProbe` asks the model for the hidden word of
a few sentences (the book's own: "a crane is flying", "a crane driver came",
"he just left") and compares the encodings of "crane" in its two contexts, as
14.10 does. It draws ``masked_words.png`` (each sentence with its five most
probable fillers) and reports ``masked_words`` and ``crane_cosine`` in
summary.json.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from d2lkit.data.bert_inputs import get_tokens_and_segments
from d2lkit.data.text import Vocab
from d2lkit.train.callbacks import Callback
from d2lkit.train.trainer import Trainer
from d2lkit.viz import save_figure
from d2lkit.viz.text_predictions import show_text_predictions

__all__ = ["BOOK_PROBES", "BertProbe", "bert_encoding", "fill_mask"]

# (sentence A, sentence B or None, the position in A to hide): the words of 14.10's examples
BOOK_PROBES: tuple[tuple[tuple[str, ...], tuple[str, ...] | None, int], ...] = (
    (("a", "crane", "is", "flying"), None, 1),
    (("a", "crane", "driver", "came"), ("he", "just", "left"), 3),
    (("he", "just", "left"), None, 2),
)


def _inputs(
    vocab: Vocab, a: Sequence[str], b: Sequence[str] | None, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    tokens, segments = get_tokens_and_segments(list(a), None if b is None else list(b))
    ids = torch.tensor([vocab[tokens]], device=device)
    return ids, torch.tensor([segments], device=device), torch.tensor([len(tokens)], device=device)


@torch.no_grad()
def bert_encoding(
    net: nn.Module, vocab: Vocab, a: Sequence[str], b: Sequence[str] | None = None
) -> torch.Tensor:
    """Encodings ``(1, T, h)`` of ``<cls> a <sep> [b <sep>]``: the book's ``get_bert_encoding``."""
    device = next(net.parameters()).device
    encoded, _, _ = net(*_inputs(vocab, a, b, device))
    return encoded


@torch.no_grad()
def fill_mask(
    net: nn.Module,
    vocab: Vocab,
    a: Sequence[str],
    b: Sequence[str] | None,
    position: int,
    k: int = 5,
) -> list[tuple[str, float]]:
    """The ``k`` most probable words at ``a[position]`` once it is replaced by ``<mask>``."""
    device = next(net.parameters()).device
    masked = [*a[:position], "<mask>", *a[position + 1 :]]
    ids, segments, valid = _inputs(vocab, masked, b, device)
    where = torch.tensor([[position + 1]], device=device)  # after <cls>
    _, mlm, _ = net(ids, segments, valid, where)
    probs = F.softmax(mlm[0, 0].float(), dim=-1)
    values, indices = torch.topk(probs, k=min(k, probs.numel()))
    return [(vocab.idx_to_token[int(i)], float(v)) for v, i in zip(values, indices, strict=True)]


class BertProbe(Callback):
    """After training: fill in hidden words, and compare "crane" in two contexts (see module)."""

    main_only = True

    def __init__(self, vocab: Vocab, probes: Sequence[Any] = BOOK_PROBES, k: int = 5) -> None:
        self.vocab, self.probes, self.k = vocab, tuple(probes), k
        self.filled: dict[str, list[tuple[str, float]]] = {}
        self.crane_cosine: float | None = None

    def on_fit_end(self, trainer: Trainer) -> None:
        net = trainer.model
        was_training = net.training
        net.eval()
        try:
            for a, b, position in self.probes:
                shown = " ".join(
                    [*a[:position], "___", *a[position + 1 :], *(["|", *b] if b else [])]
                )
                self.filled[shown] = fill_mask(net, self.vocab, a, b, position, self.k)
            flying = bert_encoding(net, self.vocab, ("a", "crane", "is", "flying"))[0, 2]
            driver = bert_encoding(
                net, self.vocab, ("a", "crane", "driver", "came"), ("he", "just", "left")
            )[0, 2]
            self.crane_cosine = float(F.cosine_similarity(flying, driver, dim=0))
        finally:
            net.train(was_training)
        for shown, found in self.filled.items():
            trainer.echo(f"{shown}: " + ", ".join(f"{w} {p:.3f}" for w, p in found))
        trainer.echo(f"cosine of 'crane' in its two contexts: {self.crane_cosine:.3f}")
        if trainer.run_dir is not None:
            rows = [
                (shown, ", ".join(f"{w} ({p:.2f})" for w, p in found))
                for shown, found in self.filled.items()
            ]
            fig = show_text_predictions(rows, title="masked words: the model's five best guesses")
            save_figure(fig, trainer.run_dir / "masked_words.png")

    def summary(self) -> dict[str, Any]:
        return {
            "masked_words": {
                s: [[w, round(p, 4)] for w, p in found] for s, found in self.filled.items()
            },
            "crane_cosine": self.crane_cosine,
        }
