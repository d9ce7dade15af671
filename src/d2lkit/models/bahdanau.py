"""The GRU encoder-decoder with Bahdanau (additive) attention (d2l 10.4).

At each decoding step the decoder's latest top-layer hidden state queries all
encoder outputs, so the context follows the part of the source being translated.
"""

from __future__ import annotations

import torch
from torch import nn

from d2lkit.models.attention import AdditiveAttention
from d2lkit.models.registry import register_model
from d2lkit.models.seq2seq import Decoder, EncoderDecoder, Seq2SeqEncoder

__all__ = [
    "AttentionDecoder",
    "Seq2SeqAttentionDecoder",
    "seq2seq_attention",
    "seq2seq_attention_tiny",
]

# (enc_outputs (B, T_src, H), hidden (L, B, H), enc_valid_lens (B,) or None)
AttentionState = tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]


class AttentionDecoder(Decoder):
    """Base class of decoders that keep their attention weights for plotting."""

    @property
    def attention_weights(self) -> list[torch.Tensor]:
        raise NotImplementedError


class Seq2SeqAttentionDecoder(AttentionDecoder):
    """A GRU decoder whose input at each step is the token's embedding and an attention context."""

    def __init__(
        self,
        vocab_size: int,
        embed_size: int,
        num_hiddens: int,
        num_layers: int,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.attention = AdditiveAttention(num_hiddens, num_hiddens, num_hiddens, dropout)
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = nn.GRU(
            embed_size + num_hiddens,
            num_hiddens,
            num_layers,
            dropout=dropout if num_layers > 1 else 0.0,
        )  # between layers
        self.dense = nn.Linear(num_hiddens, vocab_size)
        self._attention_weights: list[torch.Tensor] = []

    @property
    def attention_weights(self) -> list[torch.Tensor]:
        """One ``(B, 1, T_src)`` weight tensor per step of the last forward call."""
        return self._attention_weights

    def init_state(
        self,
        enc_outputs: tuple[torch.Tensor, torch.Tensor],
        enc_valid_lens: torch.Tensor | None = None,
    ) -> AttentionState:
        outputs, hidden = enc_outputs  # (T, B, H), (L, B, H)
        return outputs.permute(1, 0, 2), hidden, enc_valid_lens  # keys batch-first: (B, T, H)

    def forward(
        self, X: torch.Tensor, state: AttentionState
    ) -> tuple[torch.Tensor, AttentionState]:
        enc_outputs, hidden, enc_valid_lens = state
        X = self.embedding(X.long()).permute(1, 0, 2)  # (T, B, E)
        outputs, self._attention_weights = [], []
        for x in X:  # one step at a time: each query is the previous step's hidden state
            query = hidden[-1].unsqueeze(1)  # (B, 1, H)
            context = self.attention(query, enc_outputs, enc_outputs, enc_valid_lens)  # (B, 1, H)
            x = torch.cat((context, x.unsqueeze(1)), dim=-1)  # (B, 1, H + E)
            out, hidden = self.rnn(x.permute(1, 0, 2), hidden)  # (1, B, H)
            outputs.append(out)
            weights = self.attention.attention_weights
            assert weights is not None  # set by the attention call above
            self._attention_weights.append(weights)
        logits = self.dense(torch.cat(outputs, dim=0))  # (T, B, V)
        return logits.permute(1, 0, 2), (enc_outputs, hidden, enc_valid_lens)  # (B, T, V)


@register_model
def seq2seq_attention(
    src_vocab_size: int,
    tgt_vocab_size: int,
    embed_size: int = 32,
    num_hiddens: int = 32,
    num_layers: int = 2,
    dropout: float = 0.1,
) -> nn.Module:
    """The GRU encoder and Bahdanau attention decoder of d2l 10.4, with the book's sizes."""
    return EncoderDecoder(
        Seq2SeqEncoder(src_vocab_size, embed_size, num_hiddens, num_layers, dropout),
        Seq2SeqAttentionDecoder(tgt_vocab_size, embed_size, num_hiddens, num_layers, dropout),
    )


@register_model
def seq2seq_attention_tiny(src_vocab_size: int = 12, tgt_vocab_size: int = 12) -> nn.Module:
    """An 8-unit, one-layer attention encoder-decoder, for fast tests."""
    return seq2seq_attention(
        src_vocab_size, tgt_vocab_size, embed_size=8, num_hiddens=8, num_layers=1, dropout=0.0
    )
