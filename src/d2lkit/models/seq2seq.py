"""The encoder-decoder interface and the GRU sequence-to-sequence model (d2l 9.6, 9.7).

An :class:`EncoderDecoder` maps source token ids ``(B, T_src)`` and decoder
inputs ``(B, T_tgt)`` (``<bos>`` then the target shifted right: teacher forcing)
to logits ``(B, T_tgt, V_tgt)``. Decoder states are never changed in place: a
decoder returns a new state, so that beam search can expand one state several
ways (see :mod:`d2lkit.models.decoding`).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from d2lkit.models.registry import register_model

__all__ = [
    "Decoder",
    "Encoder",
    "EncoderDecoder",
    "MaskedSoftmaxCELoss",
    "Seq2SeqDecoder",
    "Seq2SeqEncoder",
    "seq2seq",
    "seq2seq_tiny",
    "sequence_mask",
]


def _between_layers(dropout: float, num_layers: int) -> float:
    # A GRU applies dropout between its layers only; with one layer torch warns, so pass 0.
    return dropout if num_layers > 1 else 0.0


class Encoder(nn.Module):
    """Base class: turns source token ids ``(B, T)`` into whatever its decoder's state needs."""

    def forward(self, X: torch.Tensor, valid_lens: torch.Tensor | None = None) -> Any:
        raise NotImplementedError


class Decoder(nn.Module):
    """Base class: builds a state from the encoder's outputs, then maps tokens to logits."""

    def init_state(self, enc_outputs: Any, enc_valid_lens: torch.Tensor | None = None) -> Any:
        raise NotImplementedError

    def forward(self, X: torch.Tensor, state: Any) -> tuple[torch.Tensor, Any]:
        """Logits ``(B, T, V)`` for decoder inputs ``X`` ``(B, T)``, and the new state."""
        raise NotImplementedError


class EncoderDecoder(nn.Module):
    """An encoder and a decoder trained together end to end; d2l 9.6."""

    def __init__(self, encoder: Encoder, decoder: Decoder) -> None:
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder

    def forward(
        self, enc_X: torch.Tensor, dec_X: torch.Tensor, enc_valid_lens: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, Any]:
        """Logits ``(B, T_tgt, V)`` and the decoder's final state."""
        enc_outputs = self.encoder(enc_X, enc_valid_lens)
        state = self.decoder.init_state(enc_outputs, enc_valid_lens)
        return self.decoder(dec_X, state)


class Seq2SeqEncoder(Encoder):
    """Embedding then a multilayer GRU; its final hidden state summarises the source."""

    def __init__(
        self,
        vocab_size: int,
        embed_size: int,
        num_hiddens: int,
        num_layers: int,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = nn.GRU(
            embed_size, num_hiddens, num_layers, dropout=_between_layers(dropout, num_layers)
        )

    def forward(
        self, X: torch.Tensor, valid_lens: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Outputs ``(T, B, H)`` at every step and the final state ``(L, B, H)``.

        Padding is encoded like any token (``valid_lens`` is unused), as in the book.
        """
        X = self.embedding(X.long()).permute(1, 0, 2)  # (T, B, E): the GRU is time-major
        output, state = self.rnn(X)  # (T, B, H), (L, B, H)
        return output, state


class Seq2SeqDecoder(Decoder):
    """A GRU fed each target token's embedding next to a fixed context: the source summary.

    The context is the encoder's last top-layer output at every step. (The book's
    9.7 code takes the decoder's own latest state instead, so its context drifts
    while predicting; d2l 1.0 fixed this as done here.) State: ``(enc_outputs, hidden)``.
    """

    def __init__(
        self,
        vocab_size: int,
        embed_size: int,
        num_hiddens: int,
        num_layers: int,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = nn.GRU(
            embed_size + num_hiddens,
            num_hiddens,
            num_layers,
            dropout=_between_layers(dropout, num_layers),
        )
        self.dense = nn.Linear(num_hiddens, vocab_size)

    def init_state(
        self,
        enc_outputs: tuple[torch.Tensor, torch.Tensor],
        enc_valid_lens: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        return enc_outputs  # (outputs (T, B, H), hidden (L, B, H))

    def forward(
        self, X: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor]
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        enc_outputs, hidden = state
        X = self.embedding(X.long()).permute(1, 0, 2)  # (T, B, E)
        context = enc_outputs[-1].expand(X.shape[0], -1, -1)  # (T, B, H)
        output, hidden = self.rnn(torch.cat((X, context), dim=2), hidden)  # (T, B, H)
        return self.dense(output).permute(1, 0, 2), (enc_outputs, hidden)  # (B, T, V)


def sequence_mask(X: torch.Tensor, valid_len: torch.Tensor, value: float = 0.0) -> torch.Tensor:
    """A copy of ``X`` ``(B, T, ...)`` with ``value`` at steps ``t >= valid_len[b]``; d2l 9.7."""
    steps = torch.arange(X.shape[1], device=X.device)
    mask = steps[None, :] < valid_len[:, None]  # (B, T): True where the step is kept
    mask = mask.reshape(mask.shape + (1,) * (X.dim() - 2))
    return X.masked_fill(~mask, value)


class MaskedSoftmaxCELoss(nn.Module):
    """Cross-entropy per sequence that ignores padding; d2l 9.7.

    ``forward(pred (B, T, V), label (B, T), valid_len (B,))`` returns ``(B,)``: each
    sequence's loss summed over its valid steps and divided by T, as in the book.
    """

    def forward(
        self, pred: torch.Tensor, label: torch.Tensor, valid_len: torch.Tensor
    ) -> torch.Tensor:
        loss = F.cross_entropy(pred.permute(0, 2, 1), label.long(), reduction="none")  # (B, T)
        return sequence_mask(loss, valid_len).mean(dim=1)


@register_model
def seq2seq(
    src_vocab_size: int,
    tgt_vocab_size: int,
    embed_size: int = 32,
    num_hiddens: int = 32,
    num_layers: int = 2,
    dropout: float = 0.1,
) -> nn.Module:
    """The GRU encoder-decoder of d2l 9.7, with the book's sizes as defaults."""
    return EncoderDecoder(
        Seq2SeqEncoder(src_vocab_size, embed_size, num_hiddens, num_layers, dropout),
        Seq2SeqDecoder(tgt_vocab_size, embed_size, num_hiddens, num_layers, dropout),
    )


@register_model
def seq2seq_tiny(src_vocab_size: int = 12, tgt_vocab_size: int = 12) -> nn.Module:
    """An 8-unit, one-layer GRU encoder-decoder, for fast tests."""
    return seq2seq(
        src_vocab_size, tgt_vocab_size, embed_size=8, num_hiddens=8, num_layers=1, dropout=0.0
    )
