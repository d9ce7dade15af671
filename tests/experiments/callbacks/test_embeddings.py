"""Nearest words and analogies of trained vectors, checked on vectors made by hand."""

from __future__ import annotations

import json

import pytest
import torch

from d2lkit.data.text import Vocab
from d2lkit.experiments.callbacks.embeddings import NearestWords, center_vectors
from d2lkit.models.word2vec import SkipGram
from d2lkit.train import Trainer

TOKENS = ["king", "queen", "man", "woman", "chip", "intel", "apple"]


def _model() -> tuple[SkipGram, Vocab]:
    vocab = Vocab([TOKENS])
    vectors = {  # gender on axis 0, royalty on axis 1, computing on axis 2
        "king": [1, 1, 0], "queen": [-1, 1, 0], "man": [1, 0, 0], "woman": [-1, 0, 0],
        "chip": [0, 0, 1], "intel": [0.1, 0, 1], "apple": [0.5, 0.5, 0.5],
    }  # fmt: skip
    net = SkipGram(len(vocab), 3)
    with torch.no_grad():
        for token, v in vectors.items():
            net.embed_v.weight[vocab[token]] = torch.tensor(v)
    return net, vocab


class _Stub:
    def __init__(self, model, run_dir) -> None:
        self.model, self.run_dir, self.lines = model, run_dir, []

    def echo(self, text: str) -> None:
        self.lines.append(text)


def test_nearest_words_and_analogies_follow_the_cosines_of_the_vectors(tmp_path):
    net, vocab = _model()
    callback = NearestWords(
        vocab,
        queries=("chip", "missing"),
        analogies=(("man", "woman", "king"), ("x", "y", "z")),
        k=2,
    )
    stub = _Stub(net, tmp_path)
    callback.on_fit_end(stub)  # type: ignore[arg-type]
    [(first, cos), (second, _)] = callback.similar["chip"]
    # intel at (0.1, 0, 1): cosine 1 / sqrt(1.01) with chip; apple at 0.5 / sqrt(0.75)
    assert (first, second) == ("intel", "apple") and cos == pytest.approx(1 / 1.01**0.5, rel=1e-4)
    assert callback.found == {"man : woman :: king :": "queen"}  # queen = king - man + woman
    assert list(callback.similar) == ["chip"]  # words outside the vocabulary are left out
    summary = json.loads(json.dumps(callback.summary()))
    assert summary["nearest_words"]["chip"][0][0] == "intel"
    assert any("cosine sim=0.995: intel" in line for line in stub.lines)
    assert (tmp_path / "nearest_words.png").is_file()


def test_word_vectors_are_the_center_table():
    net, _ = _model()
    assert center_vectors(net) is not net.embed_v.weight and torch.equal(
        center_vectors(net), net.embed_v.weight
    )
    with pytest.raises(TypeError, match="embed_v"):
        center_vectors(torch.nn.Linear(2, 2))


def test_it_runs_at_the_end_of_a_real_fit(tmp_path):
    net, vocab = _model()
    trainer = Trainer(
        net, lambda *a: torch.zeros(()), torch.optim.SGD(net.parameters(), lr=0.1),
        device="cpu", callbacks=[NearestWords(vocab)], run_dir=tmp_path,
    )  # fmt: skip
    callback = trainer.callbacks[0]
    callback.on_fit_end(trainer)
    assert "chip" in callback.similar and (tmp_path / "nearest_words.png").is_file()
