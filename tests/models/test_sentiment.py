"""Sentiment models (15.2, 15.3): BiRNN and textCNN against torch's own layers, init, GloVe."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from d2lkit.data.text import Vocab
from d2lkit.errors import ConfigError
from d2lkit.models import create_model, sentiment


def test_birnn_classifies_from_the_first_and_last_steps_as_the_book():
    torch.manual_seed(0)
    net = sentiment.BiRNN(30, 6, 5, 2).eval()
    X = torch.randint(0, 30, (3, 7))
    # The book's layout: time-major LSTM over embeddings of X.T, outputs[0] and outputs[-1].
    book = nn.LSTM(6, 5, num_layers=2, bidirectional=True)
    book.load_state_dict(net.encoder.state_dict())
    outputs, _ = book(net.embedding(X.T))
    expected = net.decoder(torch.cat((outputs[0], outputs[-1]), dim=1))
    torch.testing.assert_close(net(X), expected)
    assert net(X).shape == (3, 2)


def test_book_init_resets_weights_not_biases():
    torch.manual_seed(0)
    lstm, linear = nn.LSTM(4, 3, bidirectional=True), nn.Linear(12, 2)
    before = {n: p.clone() for n, p in [*lstm.named_parameters(), *linear.named_parameters()]}
    lstm.apply(sentiment.init_birnn_weights), linear.apply(sentiment.init_birnn_weights)
    for name, param in [*lstm.named_parameters(), *linear.named_parameters()]:
        assert torch.equal(param, before[name]) == ("bias" in name), name
    conv = nn.Conv1d(4, 2, 3)
    weight, bias = conv.weight.clone(), conv.bias.clone()
    sentiment.init_textcnn_weights(conv)
    assert not torch.equal(conv.weight, weight) and torch.equal(conv.bias, bias)


def test_pretrained_vectors_are_copied_and_frozen():
    vectors = torch.randn(30, 8)
    net = create_model("birnn_tiny")
    net.use_pretrained_embedding(vectors)
    assert torch.equal(net.embedding.weight, vectors) and not net.embedding.weight.requires_grad
    cnn = create_model("textcnn_tiny")
    cnn.use_pretrained_embedding(vectors)
    assert torch.equal(cnn.embedding.weight, vectors) and cnn.embedding.weight.requires_grad
    assert torch.equal(cnn.constant_embedding.weight, vectors)
    assert not cnn.constant_embedding.weight.requires_grad
    with pytest.raises(ConfigError, match=r"\(31, 8\) do not fit an embedding of shape \(30, 8\)"):
        net.use_pretrained_embedding(torch.zeros(31, 8))


@pytest.mark.parametrize("pool", ["avg", "max"])
def test_textcnn_matches_a_hand_computation_with_torch_functions(pool):
    torch.manual_seed(0)
    net = sentiment.TextCNN(30, 4, (2, 3), (5, 6), pool=pool).eval()
    X = torch.randint(0, 30, (3, 9))
    E = torch.cat((net.embedding.weight[X], net.constant_embedding.weight[X]), dim=2)  # (B, T, 8)
    features = []
    for conv in net.convs:
        Y = F.conv1d(E.transpose(1, 2), conv.weight, conv.bias)  # (B, c, T - k + 1)
        pooled = Y.mean(dim=2) if pool == "avg" else Y.amax(dim=2)
        features.append(F.relu(pooled))
    expected = F.linear(torch.cat(features, dim=1), net.decoder.weight, net.decoder.bias)
    torch.testing.assert_close(net(X), expected)
    with pytest.raises(ConfigError, match="one channel count per kernel size"):
        sentiment.TextCNN(30, 4, (2, 3), (5,))


class _LikesGreat(nn.Module):
    """Positive exactly when the word 'great' is in the sentence."""

    def __init__(self, great: int) -> None:
        super().__init__()
        self.great = great
        self.scale = nn.Parameter(torch.ones(()))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        hit = (X.eq(self.great)).any(dim=1).float() * self.scale
        return torch.stack([1 - hit, hit], dim=1)


def test_predict_sentiment_reads_words_and_restores_the_mode():
    vocab = Vocab([["this", "movie", "is", "so", "great", "bad"]])
    net = _LikesGreat(vocab["great"]).train()
    assert sentiment.predict_sentiment(net, vocab, "this movie is so great") == "positive"
    assert sentiment.predict_sentiment(net, vocab, "this movie is so bad") == "negative"
    assert net.training
