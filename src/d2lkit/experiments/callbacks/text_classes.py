"""What chapter 15's classifiers say of new text: sentiments (15.2-15.3), inferences (15.5, 15.7).

At the end of training each callback runs the model on the book's own
examples ("this movie is so great" / "... so bad"; "he is good ." against
"he is bad .") and on a few held-out test examples, prints the answers, draws
them into a PNG (green when right, red when wrong) and reports them in
summary.json (``predictions``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

from d2lkit.data.text import Vocab
from d2lkit.models.sentiment import predict_sentiment
from d2lkit.train.callbacks import Callback
from d2lkit.train.trainer import Trainer
from d2lkit.viz import save_figure
from d2lkit.viz.text_predictions import shorten, show_text_predictions

__all__ = [
    "BOOK_PAIRS",
    "BOOK_SENTENCES",
    "PairPredictions",
    "SentimentPredictions",
    "predict_pair",
]

BOOK_SENTENCES = ("this movie is so great", "this movie is so bad")  # 15.2, 15.3
BOOK_PAIRS = ((("he", "is", "good", "."), ("he", "is", "bad", ".")),)  # 15.5
SENTIMENTS = ("negative", "positive")
PairEncoder = Callable[[Sequence[str], Sequence[str]], tuple[torch.Tensor, ...]]


class _Predictions(Callback):
    """Shared: classify each text at the end, print, draw ``png``, keep for the summary."""

    main_only = True
    png = "predictions.png"
    title = "predictions"

    def __init__(self) -> None:
        self.results: list[tuple[str, str, bool | None]] = []

    def predictions(self, model: nn.Module) -> list[tuple[str, str, bool | None]]:
        raise NotImplementedError

    def on_fit_end(self, trainer: Trainer) -> None:
        self.results = self.predictions(trainer.model)
        for text, answer, _ in self.results:
            trainer.echo(f"{answer}: {text}")
        if trainer.run_dir is not None:
            fig = show_text_predictions(
                [(t, a) for t, a, _ in self.results],
                [ok for _, _, ok in self.results],
                title=self.title,
            )
            save_figure(fig, trainer.run_dir / self.png)

    def summary(self) -> dict[str, Any]:
        return {  # reviews run to thousands of characters: their start says which one it is
            "predictions": [
                {"text": shorten(t, 300), "predicted": a, "right": ok} for t, a, ok in self.results
            ]
        }


class SentimentPredictions(_Predictions):
    """The sentiment of the book's two sentences and of held-out reviews, as sentiments.png."""

    png = "sentiments.png"
    title = "predicted sentiments (green: right, red: wrong, black: no label)"

    def __init__(
        self,
        vocab: Vocab,
        reviews: Sequence[tuple[str, int]] = (),
        sentences: Sequence[str] = BOOK_SENTENCES,
    ) -> None:
        super().__init__()
        self.vocab = vocab
        self.examples = [(s, None) for s in sentences] + [(t, int(y)) for t, y in reviews]

    def predictions(self, model: nn.Module) -> list[tuple[str, str, bool | None]]:
        found = []
        for text, label in self.examples:
            answer = predict_sentiment(model, self.vocab, text)
            found.append((text, answer, None if label is None else answer == SENTIMENTS[label]))
        return found


@torch.no_grad()
def predict_pair(
    net: nn.Module, encode: PairEncoder, premise: Sequence[str], hypothesis: Sequence[str]
) -> int:
    """The class the model gives one pair of token lists (evaluation mode, its device)."""
    device = next(net.parameters()).device
    was_training = net.training
    net.eval()
    try:
        scores = net(*(t.to(device) for t in encode(premise, hypothesis)))
    finally:
        net.train(was_training)
    return int(scores.argmax(dim=1)[0])


class PairPredictions(_Predictions):
    """The relation the model sees in the book's pair and in held-out pairs, as inferences.png."""

    png = "inferences.png"
    title = "premise | hypothesis: predicted relation (green: right, red: wrong)"

    def __init__(
        self,
        encode: PairEncoder,
        labels: Sequence[str],
        pairs: Sequence[tuple[tuple[str, str], int]] = (),
        book_pairs: Sequence[tuple[Sequence[str], Sequence[str]]] = BOOK_PAIRS,
    ) -> None:
        super().__init__()
        self.encode, self.labels = encode, tuple(labels)
        self.examples = [(list(p), list(h), None) for p, h in book_pairs] + [
            (p.split(), h.split(), int(y)) for (p, h), y in pairs
        ]

    def predictions(self, model: nn.Module) -> list[tuple[str, str, bool | None]]:
        found = []
        for premise, hypothesis, label in self.examples:
            answer = predict_pair(model, self.encode, premise, hypothesis)
            text = f"{' '.join(premise)} | {' '.join(hypothesis)}"
            found.append((text, self.labels[answer], None if label is None else answer == label))
        return found
