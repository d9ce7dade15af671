"""Sentiment classifiers over word vectors (15.2, 15.3): a bidirectional LSTM and textCNN.

Both map token ids ``(B, T)`` to two logits (0 negative, 1 positive) and start
as the book initialises them (Xavier-uniform weights). Their embedding layer
takes pretrained vectors with :meth:`use_pretrained_embedding` (the book's
GloVe 100-d, frozen).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from d2lkit.data.text import Vocab
from d2lkit.errors import ConfigError
from d2lkit.models.registry import register_model

__all__ = [
    "BiRNN",
    "TextCNN",
    "birnn",
    "birnn_tiny",
    "init_birnn_weights",
    "init_textcnn_weights",
    "predict_sentiment",
    "textcnn",
    "textcnn_tiny",
]


def init_birnn_weights(m: nn.Module) -> None:
    """The book's ``init_weights`` of 15.2: Xavier-uniform linear and LSTM weights (not biases)."""
    if type(m) is nn.Linear:
        nn.init.xavier_uniform_(m.weight)
    if type(m) is nn.LSTM:
        for name, param in m.named_parameters(recurse=False):
            if "weight" in name:
                nn.init.xavier_uniform_(param)


def init_textcnn_weights(m: nn.Module) -> None:
    """The book's ``init_weights`` of 15.3: Xavier-uniform linear and 1-d convolution weights."""
    if type(m) in (nn.Linear, nn.Conv1d):
        nn.init.xavier_uniform_(m.weight)  # type: ignore[arg-type]


def _check_vectors(embedding: nn.Embedding, vectors: torch.Tensor) -> None:
    if tuple(vectors.shape) != tuple(embedding.weight.shape):
        raise ConfigError(
            f"pretrained vectors of shape {tuple(vectors.shape)} do not fit an embedding of "
            f"shape {tuple(embedding.weight.shape)} (vocabulary size, vector size)",
            fix="look the vectors up for vocab.idx_to_token, with the model's embed_size",
        )


class BiRNN(nn.Module):
    """Embeddings, a bidirectional LSTM, and a linear layer on the first and last steps' states.

    The encoding is the concatenation of the outputs at the first and the last
    time step ``(B, 4 * num_hiddens)``, as in the book.
    """

    def __init__(self, vocab_size: int, embed_size: int, num_hiddens: int, num_layers: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.encoder = nn.LSTM(
            embed_size, num_hiddens, num_layers=num_layers, bidirectional=True, batch_first=True
        )
        self.decoder = nn.Linear(4 * num_hiddens, 2)
        self.apply(init_birnn_weights)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        outputs, _ = self.encoder(self.embedding(inputs))  # (B, T, 2h)
        encoding = torch.cat((outputs[:, 0], outputs[:, -1]), dim=1)  # (B, 4h)
        return self.decoder(encoding)

    def use_pretrained_embedding(self, vectors: torch.Tensor, freeze: bool = True) -> None:
        """Copy ``vectors`` ``(vocab_size, embed_size)`` in; frozen by default, as in 15.2."""
        _check_vectors(self.embedding, vectors)
        with torch.no_grad():
            self.embedding.weight.copy_(vectors)
        self.embedding.weight.requires_grad_(not freeze)


class TextCNN(nn.Module):
    """textCNN: two embeddings side by side, 1-d convolutions, pooling over time, dropout 0.5.

    ``embedding`` is trained and ``constant_embedding`` (same start) is not, once
    :meth:`use_pretrained_embedding` froze it. ``pool="avg"`` is the book's code
    (``AdaptiveAvgPool1d``); ``pool="max"`` is the max-over-time pooling its text
    (and the textCNN paper) describes.
    """

    def __init__(
        self,
        vocab_size: int,
        embed_size: int,
        kernel_sizes: Sequence[int],
        num_channels: Sequence[int],
        pool: str = "avg",
    ) -> None:
        super().__init__()
        if pool not in ("avg", "max"):
            raise ConfigError(f"unknown pooling {pool!r}", fix="use 'avg' or 'max'")
        if len(kernel_sizes) != len(num_channels):
            raise ConfigError(
                f"{len(kernel_sizes)} kernel sizes but {len(num_channels)} channel counts",
                fix="give one channel count per kernel size",
            )
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.constant_embedding = nn.Embedding(vocab_size, embed_size)
        self.dropout = nn.Dropout(0.5)
        self.decoder = nn.Linear(sum(num_channels), 2)
        self.pool = nn.AdaptiveAvgPool1d(1) if pool == "avg" else nn.AdaptiveMaxPool1d(1)
        self.relu = nn.ReLU()
        self.convs = nn.ModuleList(
            nn.Conv1d(2 * embed_size, c, k) for c, k in zip(num_channels, kernel_sizes, strict=True)
        )
        self.apply(init_textcnn_weights)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        embeddings = torch.cat(
            (self.embedding(inputs), self.constant_embedding(inputs)), dim=2
        )  # (B, T, 2E)
        embeddings = embeddings.permute(0, 2, 1)  # (B, 2E, T): channels first for Conv1d
        encoding = torch.cat(
            [self.relu(self.pool(conv(embeddings))).squeeze(-1) for conv in self.convs], dim=1
        )  # (B, sum(num_channels))
        return self.decoder(self.dropout(encoding))

    def use_pretrained_embedding(self, vectors: torch.Tensor) -> None:
        """Copy ``vectors`` into both embeddings and freeze the constant one, as in 15.3."""
        _check_vectors(self.embedding, vectors)
        with torch.no_grad():
            self.embedding.weight.copy_(vectors)
            self.constant_embedding.weight.copy_(vectors)
        self.constant_embedding.weight.requires_grad_(False)


@torch.no_grad()
def predict_sentiment(net: nn.Module, vocab: Vocab, sequence: str) -> str:
    """``'positive'`` or ``'negative'`` for a sentence (words split on whitespace).

    The net runs in evaluation mode on the device of its parameters; its mode
    is restored afterwards.
    """
    device = next(net.parameters()).device
    ids = torch.tensor(vocab[sequence.split()], device=device).reshape(1, -1)
    was_training = net.training
    net.eval()
    try:
        label = int(net(ids).argmax(dim=1)[0])
    finally:
        net.train(was_training)
    return "positive" if label == 1 else "negative"


@register_model
def birnn(
    vocab_size: int, embed_size: int = 100, num_hiddens: int = 100, num_layers: int = 2
) -> nn.Module:
    """15.2's sentiment RNN: 100-d embeddings, a 2-layer bidirectional LSTM of 100 units."""
    return BiRNN(vocab_size, embed_size, num_hiddens, num_layers)


@register_model
def birnn_tiny(vocab_size: int = 30) -> nn.Module:
    """An 8-d, one-layer bidirectional LSTM of 8 units, for fast tests."""
    return BiRNN(vocab_size, 8, 8, 1)


@register_model
def textcnn(
    vocab_size: int,
    embed_size: int = 100,
    kernel_sizes: Sequence[int] = (3, 4, 5),
    num_channels: Sequence[int] = (100, 100, 100),
    pool: str = "avg",
) -> nn.Module:
    """15.3's textCNN: kernels of 3, 4 and 5 words, 100 channels each, over 100-d embeddings."""
    return TextCNN(vocab_size, embed_size, kernel_sizes, num_channels, pool)


@register_model
def textcnn_tiny(vocab_size: int = 30) -> nn.Module:
    """A textCNN with 8-d embeddings and two small kernels, for fast tests."""
    return TextCNN(vocab_size, 8, (2, 3), (4, 4))
