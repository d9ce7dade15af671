"""The transformer encoder-decoder (d2l 10.7): attention and position-wise MLPs, no recurrence.

Decoder state: ``(enc_outputs (B, T_src, h), enc_valid_lens, caches)`` where
``caches[i]`` holds every input layer ``i`` has seen so far ``(B, T_seen, h)``,
the keys and values of its self-attention when predicting one token at a time.
Unlike the book's code, the causal mask is applied in evaluation mode too, and
the positional encoding of a token fed alone continues from the cached ones
(the book gives every predicted token position 0).
"""

from __future__ import annotations

import math
from typing import cast

import torch
from torch import nn
from torch.nn import functional as F

from d2lkit.models.attention import MultiHeadAttention, PositionalEncoding
from d2lkit.models.registry import register_model
from d2lkit.models.seq2seq import Decoder, Encoder, EncoderDecoder

__all__ = [
    "AddNorm",
    "PositionWiseFFN",
    "TransformerDecoder",
    "TransformerDecoderBlock",
    "TransformerEncoder",
    "TransformerEncoderBlock",
    "transformer",
    "transformer_tiny",
]

TransformerState = tuple[torch.Tensor, torch.Tensor | None, tuple[torch.Tensor | None, ...]]


class PositionWiseFFN(nn.Module):
    """The same two-layer MLP applied at every position: ``(B, T, d_in) -> (B, T, d_out)``.

    ``ffn_num_input=None`` infers ``d_in`` from the first call (a lazy layer).
    """

    def __init__(
        self, ffn_num_input: int | None, ffn_num_hiddens: int, ffn_num_outputs: int
    ) -> None:
        super().__init__()
        self.dense1 = (
            nn.LazyLinear(ffn_num_hiddens)
            if ffn_num_input is None
            else nn.Linear(ffn_num_input, ffn_num_hiddens)
        )
        self.dense2 = nn.Linear(ffn_num_hiddens, ffn_num_outputs)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.dense2(F.relu(self.dense1(X)))


class AddNorm(nn.Module):
    """Residual connection then layer normalisation: ``LayerNorm(X + Dropout(Y))``."""

    def __init__(self, normalized_shape: int | list[int], dropout: float = 0.0) -> None:
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.ln = nn.LayerNorm(normalized_shape)

    def forward(self, X: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
        return self.ln(self.dropout(Y) + X)


class TransformerEncoderBlock(nn.Module):
    """Multi-head self-attention and a position-wise MLP, each wrapped in :class:`AddNorm`."""

    def __init__(
        self,
        num_hiddens: int,
        ffn_num_hiddens: int,
        num_heads: int,
        dropout: float = 0.0,
        use_bias: bool = False,
    ) -> None:
        super().__init__()
        self.attention = MultiHeadAttention(num_hiddens, num_heads, dropout, use_bias)
        self.addnorm1 = AddNorm(num_hiddens, dropout)
        self.ffn = PositionWiseFFN(num_hiddens, ffn_num_hiddens, num_hiddens)
        self.addnorm2 = AddNorm(num_hiddens, dropout)

    def forward(self, X: torch.Tensor, valid_lens: torch.Tensor | None) -> torch.Tensor:
        Y = self.addnorm1(X, self.attention(X, X, X, valid_lens))  # (B, T, h)
        return self.addnorm2(Y, self.ffn(Y))  # (B, T, h)


class TransformerEncoder(Encoder):
    """Embedding scaled by sqrt(h), positional encoding, then ``num_layers`` encoder blocks."""

    def __init__(
        self,
        vocab_size: int,
        num_hiddens: int,
        ffn_num_hiddens: int,
        num_heads: int,
        num_layers: int,
        dropout: float = 0.0,
        use_bias: bool = False,
    ) -> None:
        super().__init__()
        self.num_hiddens = num_hiddens
        self.embedding = nn.Embedding(vocab_size, num_hiddens)
        self.pos_encoding = PositionalEncoding(num_hiddens, dropout)
        self.blks = nn.ModuleList(
            TransformerEncoderBlock(num_hiddens, ffn_num_hiddens, num_heads, dropout, use_bias)
            for _ in range(num_layers)
        )

    @property
    def attention_weights(self) -> list[torch.Tensor | None]:
        """Each layer's last self-attention weights ``(B * heads, T, T)``."""
        return [cast(TransformerEncoderBlock, blk).attention.attention_weights for blk in self.blks]

    def forward(self, X: torch.Tensor, valid_lens: torch.Tensor | None = None) -> torch.Tensor:
        # Embeddings are scaled up because the encoding's values lie in [-1, 1].
        X = self.pos_encoding(self.embedding(X.long()) * math.sqrt(self.num_hiddens))  # (B, T, h)
        for blk in self.blks:
            X = blk(X, valid_lens)
        return X


class TransformerDecoderBlock(nn.Module):
    """Masked self-attention, attention to the encoder's outputs, then a position-wise MLP."""

    def __init__(
        self,
        num_hiddens: int,
        ffn_num_hiddens: int,
        num_heads: int,
        dropout: float = 0.0,
        use_bias: bool = False,
    ) -> None:
        super().__init__()
        self.attention1 = MultiHeadAttention(num_hiddens, num_heads, dropout, use_bias)
        self.addnorm1 = AddNorm(num_hiddens, dropout)
        self.attention2 = MultiHeadAttention(num_hiddens, num_heads, dropout, use_bias)
        self.addnorm2 = AddNorm(num_hiddens, dropout)
        self.ffn = PositionWiseFFN(num_hiddens, ffn_num_hiddens, num_hiddens)
        self.addnorm3 = AddNorm(num_hiddens, dropout)

    def forward(
        self,
        X: torch.Tensor,
        enc_outputs: torch.Tensor,
        enc_valid_lens: torch.Tensor | None,
        cache: torch.Tensor | None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Outputs ``(B, T, h)`` for inputs ``X`` ``(B, T, h)``, and the grown cache."""
        key_values = X if cache is None else torch.cat((cache, X), dim=1)  # (B, T_seen, h)
        B, T = X.shape[:2]
        past = key_values.shape[1] - T
        # Causal mask: the query at step t sees the past tokens and steps 0..t of X.
        steps = torch.arange(past + 1, past + T + 1, device=X.device)
        dec_valid_lens = steps.repeat(B, 1)  # (B, T)
        Y = self.addnorm1(X, self.attention1(X, key_values, key_values, dec_valid_lens))
        Z = self.addnorm2(Y, self.attention2(Y, enc_outputs, enc_outputs, enc_valid_lens))
        return self.addnorm3(Z, self.ffn(Z)), key_values  # (B, T, h)


class TransformerDecoder(Decoder):
    """Embedding, positional encoding, ``num_layers`` decoder blocks, a linear layer to logits."""

    def __init__(
        self,
        vocab_size: int,
        num_hiddens: int,
        ffn_num_hiddens: int,
        num_heads: int,
        num_layers: int,
        dropout: float = 0.0,
        use_bias: bool = False,
    ) -> None:
        super().__init__()
        self.num_hiddens = num_hiddens
        self.embedding = nn.Embedding(vocab_size, num_hiddens)
        self.pos_encoding = PositionalEncoding(num_hiddens, dropout)
        self.blks = nn.ModuleList(
            TransformerDecoderBlock(num_hiddens, ffn_num_hiddens, num_heads, dropout, use_bias)
            for _ in range(num_layers)
        )
        self.dense = nn.Linear(num_hiddens, vocab_size)

    @property
    def attention_weights(self) -> tuple[list[torch.Tensor | None], list[torch.Tensor | None]]:
        """Each layer's last (self-attention, encoder-decoder attention) weights."""
        blks = [cast(TransformerDecoderBlock, blk) for blk in self.blks]
        return (
            [blk.attention1.attention_weights for blk in blks],
            [blk.attention2.attention_weights for blk in blks],
        )

    def init_state(
        self, enc_outputs: torch.Tensor, enc_valid_lens: torch.Tensor | None = None
    ) -> TransformerState:
        return enc_outputs, enc_valid_lens, (None,) * len(self.blks)

    def forward(
        self, X: torch.Tensor, state: TransformerState
    ) -> tuple[torch.Tensor, TransformerState]:
        enc_outputs, enc_valid_lens, caches = state
        offset = 0 if caches[0] is None else caches[0].shape[1]  # tokens already decoded
        X = self.pos_encoding(self.embedding(X.long()) * math.sqrt(self.num_hiddens), offset)
        new_caches = []
        for blk, cache in zip(self.blks, caches, strict=True):
            X, cache = blk(X, enc_outputs, enc_valid_lens, cache)  # (B, T, h)
            new_caches.append(cache)
        return self.dense(X), (enc_outputs, enc_valid_lens, tuple(new_caches))  # (B, T, V)


@register_model
def transformer(
    src_vocab_size: int,
    tgt_vocab_size: int,
    num_hiddens: int = 32,
    num_layers: int = 2,
    dropout: float = 0.1,
    ffn_num_hiddens: int = 64,
    num_heads: int = 4,
) -> nn.Module:
    """The transformer encoder-decoder of d2l 10.7, with the book's sizes as defaults."""
    return EncoderDecoder(
        TransformerEncoder(
            src_vocab_size, num_hiddens, ffn_num_hiddens, num_heads, num_layers, dropout
        ),
        TransformerDecoder(
            tgt_vocab_size, num_hiddens, ffn_num_hiddens, num_heads, num_layers, dropout
        ),
    )


@register_model
def transformer_tiny(src_vocab_size: int = 12, tgt_vocab_size: int = 12) -> nn.Module:
    """A one-layer, 8-unit, two-head transformer, for fast tests."""
    return transformer(
        src_vocab_size,
        tgt_vocab_size,
        num_hiddens=8,
        num_layers=1,
        dropout=0.0,
        ffn_num_hiddens=16,
        num_heads=2,
    )
