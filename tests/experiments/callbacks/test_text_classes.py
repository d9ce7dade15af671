"""Chapter 15's predictions at the end of training: the book's examples and held-out ones."""

from __future__ import annotations

import torch
from torch import nn

from d2lkit.data.text import Vocab
from d2lkit.experiments.callbacks.text_classes import (
    BOOK_SENTENCES,
    PairPredictions,
    SentimentPredictions,
    predict_pair,
)


class _Stub:
    def __init__(self, model, run_dir) -> None:
        self.model, self.run_dir, self.lines = model, run_dir, []

    def echo(self, text: str) -> None:
        self.lines.append(text)


class _GreatIsPositive(nn.Module):
    """Positive exactly when the text holds the word 'great' (index 1)."""

    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.zeros(1))

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        great = (ids == 1).any(dim=1).float()
        return torch.stack([1 - great, great], dim=1) + 0 * self.w


def test_sentiments_of_the_books_sentences_and_reviews_judged_against_their_labels(tmp_path):
    vocab = Vocab.from_tokens(["<unk>", "great", "bad", "this", "movie", "is", "so"])
    reviews = [("a great film", 1), ("so bad", 0), ("great but bad", 0)]
    callback = SentimentPredictions(vocab, reviews)
    stub = _Stub(_GreatIsPositive(), tmp_path)
    callback.on_fit_end(stub)  # type: ignore[arg-type]
    assert callback.results == [
        (BOOK_SENTENCES[0], "positive", None),
        (BOOK_SENTENCES[1], "negative", None),
        ("a great film", "positive", True),
        ("so bad", "negative", True),
        ("great but bad", "positive", False),
    ]
    assert stub.lines[0] == "positive: this movie is so great"
    assert (tmp_path / "sentiments.png").is_file()
    assert callback.summary()["predictions"][4] == {
        "text": "great but bad", "predicted": "positive", "right": False,
    }  # fmt: skip


class _SameLength(nn.Module):
    """Entailment when premise and hypothesis have as many tokens, else contradiction."""

    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.zeros(1))

    def forward(self, P: torch.Tensor, H: torch.Tensor) -> torch.Tensor:
        same = float(P.shape[1] == H.shape[1])
        return torch.tensor([[same, 1 - same, 0.0]]) + 0 * self.w


def test_pairs_are_encoded_classified_and_named_by_label(tmp_path):
    def encode(p, h):
        return torch.zeros(1, len(p)), torch.zeros(1, len(h))

    labels = ("entailment", "contradiction", "neutral")
    callback = PairPredictions(encode, labels, [(("a b", "c"), 1), (("a", "b"), 1)])
    callback.on_fit_end(_Stub(_SameLength(), tmp_path))  # type: ignore[arg-type]
    assert callback.results == [
        ("he is good . | he is bad .", "entailment", None),
        ("a b | c", "contradiction", True),
        ("a | b", "entailment", False),
    ]
    assert predict_pair(_SameLength(), encode, ["x"], ["y", "z"]) == 1
    assert (tmp_path / "inferences.png").is_file()
