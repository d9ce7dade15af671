"""BERT (14.8): a transformer encoder over token, segment and learned position embeddings,
with the two pretraining heads (masked language model, next sentence prediction), and
the classifier that fine-tunes it (15.7).

Module and parameter names are the book's (``encoder.blks.0.attention.W_q.weight``,
``mlm.mlp.3.bias``, ``nsp.output.weight`` ...), so the book's pretrained
``bert.small`` loads as it is (:func:`load_pretrained_bert`). Unlike the book,
whose encoder adds ``pos_embedding.data`` (positions that never learn), the
position embeddings are trained, as in BERT and the English 1.0 edition.
"""

from __future__ import annotations

import os

import torch
from torch import nn

from d2lkit.data.pretrained_bert import PRETRAINED_BERT, read_pretrained_bert
from d2lkit.data.text import Vocab
from d2lkit.errors import ConfigError, DataError
from d2lkit.models.registry import register_model
from d2lkit.models.transformer import TransformerEncoderBlock

__all__ = [
    "BERT_SIZES",
    "BERTClassifier",
    "BERTEncoder",
    "BERTModel",
    "MaskLM",
    "NextSentencePred",
    "bert",
    "bert_classifier_tiny",
    "bert_small",
    "bert_small_classifier",
    "bert_tiny",
    "load_pretrained_bert",
]

Root = str | os.PathLike[str] | None

# The book's pretrained models (15.7): hidden size, FFN size, heads, layers, max_len.
BERT_SIZES = {
    "bert.small": {"num_hiddens": 256, "ffn_num_hiddens": 512, "num_heads": 4, "num_layers": 2},
    "bert.base": {"num_hiddens": 768, "ffn_num_hiddens": 3072, "num_heads": 12, "num_layers": 12},
}


class BERTEncoder(nn.Module):
    """Token + segment + learned position embeddings, then ``num_layers`` encoder blocks.

    ``forward(tokens (B, T), segments (B, T), valid_lens (B,) or None)`` -> ``(B, T, h)``;
    ``T`` may not exceed ``max_len``.
    """

    def __init__(
        self,
        vocab_size: int,
        num_hiddens: int,
        ffn_num_hiddens: int,
        num_heads: int,
        num_layers: int,
        dropout: float,
        max_len: int = 1000,
    ) -> None:
        super().__init__()
        self.token_embedding = nn.Embedding(vocab_size, num_hiddens)
        self.segment_embedding = nn.Embedding(2, num_hiddens)
        self.blks = nn.ModuleList(
            TransformerEncoderBlock(num_hiddens, ffn_num_hiddens, num_heads, dropout, use_bias=True)
            for _ in range(num_layers)
        )
        self.pos_embedding = nn.Parameter(torch.randn(1, max_len, num_hiddens))

    @property
    def max_len(self) -> int:
        return self.pos_embedding.shape[1]

    def forward(
        self,
        tokens: torch.Tensor,
        segments: torch.Tensor,
        valid_lens: torch.Tensor | None = None,
    ) -> torch.Tensor:
        steps = tokens.shape[1]
        if steps > self.max_len:
            raise ConfigError(
                f"BERT got sequences of {steps} tokens; its position embeddings end at "
                f"{self.max_len}",
                fix=f"cut the inputs to at most {self.max_len} tokens, or build it with a "
                "larger max_len",
            )
        X = self.token_embedding(tokens) + self.segment_embedding(segments)  # (B, T, h)
        X = X + self.pos_embedding[:, :steps, :]
        for blk in self.blks:
            X = blk(X, valid_lens)
        return X


class MaskLM(nn.Module):
    """The masked-language-model head: an MLP on the encodings at the predicted positions.

    ``forward(X (B, T, h_in), pred_positions (B, P))`` -> logits ``(B, P, vocab_size)``.
    ``num_inputs=None`` takes ``h_in`` from the first call (a lazy layer, as the
    English 1.0 edition's head).
    """

    def __init__(self, vocab_size: int, num_hiddens: int, num_inputs: int | None = None) -> None:
        super().__init__()
        first: nn.Module = (
            nn.LazyLinear(num_hiddens) if num_inputs is None else nn.Linear(num_inputs, num_hiddens)
        )
        self.mlp = nn.Sequential(
            first,
            nn.ReLU(),
            nn.LayerNorm(num_hiddens),
            nn.Linear(num_hiddens, vocab_size),
        )

    def forward(self, X: torch.Tensor, pred_positions: torch.Tensor) -> torch.Tensor:
        rows = torch.arange(X.shape[0], device=X.device)[:, None]  # (B, 1)
        return self.mlp(X[rows, pred_positions])  # (B, P, h_in) -> (B, P, V)


class NextSentencePred(nn.Module):
    """The next-sentence head: ``(B, h)`` -> two logits (1: the second sentence follows).

    ``num_inputs=None`` takes ``h`` from the first call (lazy, as in the English 1.0 edition).
    """

    def __init__(self, num_inputs: int | None = None) -> None:
        super().__init__()
        self.output = nn.Linear(num_inputs, 2) if num_inputs else nn.LazyLinear(2)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.output(X)


class BERTModel(nn.Module):
    """The encoder, a tanh layer on ``<cls>``'s encoding, and the two pretraining heads.

    ``forward(tokens, segments, valid_lens=None, pred_positions=None)`` returns
    ``(encodings (B, T, h), mlm logits (B, P, V) or None, nsp logits (B, 2))``.
    """

    def __init__(
        self,
        vocab_size: int,
        num_hiddens: int,
        ffn_num_hiddens: int,
        num_heads: int,
        num_layers: int,
        dropout: float,
        max_len: int = 1000,
    ) -> None:
        super().__init__()
        self.encoder = BERTEncoder(
            vocab_size, num_hiddens, ffn_num_hiddens, num_heads, num_layers, dropout, max_len
        )
        self.hidden = nn.Sequential(nn.Linear(num_hiddens, num_hiddens), nn.Tanh())
        self.mlm = MaskLM(vocab_size, num_hiddens, num_hiddens)
        self.nsp = NextSentencePred(num_hiddens)

    def forward(
        self,
        tokens: torch.Tensor,
        segments: torch.Tensor,
        valid_lens: torch.Tensor | None = None,
        pred_positions: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor]:
        encoded = self.encoder(tokens, segments, valid_lens)  # (B, T, h)
        mlm = None if pred_positions is None else self.mlm(encoded, pred_positions)
        nsp = self.nsp(self.hidden(encoded[:, 0, :]))  # position 0 is <cls>
        return encoded, mlm, nsp


class BERTClassifier(nn.Module):
    """A pretrained BERT's encoder and ``<cls>`` layer, and a new output layer (15.7).

    ``forward(tokens (B, T), segments (B, T), valid_lens (B,))`` -> logits ``(B, num_outputs)``.
    The pretraining heads are left behind.
    """

    def __init__(self, bert: BERTModel, num_outputs: int = 3) -> None:
        super().__init__()
        self.encoder = bert.encoder
        self.hidden = bert.hidden
        num_hiddens = bert.encoder.token_embedding.embedding_dim
        self.output = nn.Linear(num_hiddens, num_outputs)

    def forward(
        self, tokens: torch.Tensor, segments: torch.Tensor, valid_lens: torch.Tensor | None = None
    ) -> torch.Tensor:
        encoded = self.encoder(tokens, segments, valid_lens)
        return self.output(self.hidden(encoded[:, 0, :]))


def load_pretrained_bert(
    name: str = "bert.small",
    *,
    dropout: float = 0.2,
    max_len: int = 512,
    root: Root = None,
    download: bool = True,
) -> tuple[BERTModel, Vocab]:
    """The book's pretrained BERT and its vocabulary, from the store (15.7).

    The sizes are the book's for ``name`` (:data:`BERT_SIZES`); ``max_len`` may
    cut the position embeddings the file holds (the book uses 512). The book's
    loader builds its model with dropout 0.2, whatever dropout it is passed.
    """
    vocab, state = read_pretrained_bert(name, root, download=download)
    net = BERTModel(len(vocab), **BERT_SIZES[name], dropout=dropout, max_len=max_len)
    saved = state.get("encoder.pos_embedding")
    if saved is not None and saved.shape[1] > max_len:
        state["encoder.pos_embedding"] = saved[:, :max_len]
    expected = net.state_dict()
    shapes = {k: tuple(v.shape) for k, v in state.items()}
    wrong = [k for k in expected if k not in shapes or shapes[k] != tuple(expected[k].shape)] + [
        k for k in shapes if k not in expected
    ]
    if wrong:
        raise DataError(
            f"the parameters of {name} do not fit the book's BERT ({len(wrong)} differ, "
            f"e.g. {', '.join(wrong[:3])})",
            fix=f"delete {PRETRAINED_BERT[name]} and fetch it again (`d2lkit data fetch {name}`)",
        )
    net.load_state_dict(state)
    return net, vocab


@register_model
def bert(
    vocab_size: int = 20256,
    num_hiddens: int = 128,
    ffn_num_hiddens: int = 256,
    num_heads: int = 2,
    num_layers: int = 2,
    dropout: float = 0.2,
    max_len: int = 1000,
) -> nn.Module:
    """BERT as the book pretrains it on WikiText-2 (14.10): 2 layers, 128 hidden, 2 heads."""
    return BERTModel(
        vocab_size, num_hiddens, ffn_num_hiddens, num_heads, num_layers, dropout, max_len
    )


@register_model
def bert_tiny(vocab_size: int = 30, max_len: int = 16) -> nn.Module:
    """A one-layer, 8-unit, two-head BERT, for fast tests."""
    return BERTModel(vocab_size, 8, 16, 2, 1, 0.0, max_len)


def _small(vocab_size: int | None, pretrained: bool, dropout: float, root: Root) -> BERTModel:
    if pretrained:
        if vocab_size is not None:
            raise ConfigError(
                "a pretrained BERT brings its own vocabulary",
                fix="leave vocab_size out with pretrained=True",
            )
        return load_pretrained_bert("bert.small", dropout=dropout, root=root)[0]
    if vocab_size is None:
        raise ConfigError(
            "bert_small without pretrained weights needs vocab_size",
            fix="pass vocab_size=len(vocab), or pretrained=True for the book's weights",
        )
    return BERTModel(vocab_size, **BERT_SIZES["bert.small"], dropout=dropout, max_len=512)


@register_model
def bert_small(
    vocab_size: int | None = None,
    pretrained: bool = False,
    dropout: float = 0.2,
    root: Root = None,
) -> nn.Module:
    """The book's small BERT (15.7): 2 layers, 256 hidden, 4 heads, 512 positions.

    ``pretrained=True`` loads the book's ``bert.small`` weights from the store
    (its vocabulary: :func:`d2lkit.data.pretrained_bert.read_pretrained_bert`).
    """
    return _small(vocab_size, pretrained, dropout, root)


@register_model
def bert_small_classifier(
    vocab_size: int | None = None,
    pretrained: bool = True,
    num_outputs: int = 3,
    dropout: float = 0.2,
    root: Root = None,
) -> nn.Module:
    """15.7's fine-tuning model: the small BERT (pretrained by default) and a new output layer."""
    return BERTClassifier(_small(vocab_size, pretrained, dropout, root), num_outputs)


@register_model
def bert_classifier_tiny(vocab_size: int = 30, num_outputs: int = 3) -> nn.Module:
    """A classifier over :func:`bert_tiny`, for fast tests."""
    return BERTClassifier(BERTModel(vocab_size, 8, 16, 2, 1, 0.0, 16), num_outputs)
