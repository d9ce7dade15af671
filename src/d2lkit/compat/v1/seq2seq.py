"""d2l 1.0's encoder-decoder API (10.6, 10.7): the model is a ``Classifier`` over target tokens.

``EncoderDecoder.forward`` returns the decoder's logits only, so the
classifier's loss and accuracy apply to ``(B, T, V)`` outputs; batches are
``(src, tgt_in, src_valid_len, tgt_out)`` (d2l 1.0's ``MTFraEng``).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from d2lkit.compat.v1.module import Classifier
from d2lkit.models import seq2seq as _seq2seq
from d2lkit.models.bahdanau import AttentionDecoder
from d2lkit.models.decoding import greedy_steps
from d2lkit.models.init import INITIALIZERS

__all__ = [
    "AttentionDecoder",
    "Decoder",
    "Encoder",
    "EncoderDecoder",
    "Seq2Seq",
    "Seq2SeqEncoder",
    "init_seq2seq",
]

Encoder = _seq2seq.Encoder
Decoder = _seq2seq.Decoder


def init_seq2seq(module: nn.Module) -> None:
    """Xavier-uniform weights for a ``nn.Linear`` and every weight matrix of a ``nn.GRU``."""
    xavier = INITIALIZERS["xavier_uniform"]
    if type(module) is nn.Linear:
        xavier(module.weight)
    if type(module) is nn.GRU:
        for name in module._flat_weights_names:
            if "weight" in name:
                weight = module._parameters[name]
                if weight is not None:
                    xavier(weight)


class EncoderDecoder(Classifier):
    """An encoder and a decoder trained together; ``forward`` returns the decoder's output only."""

    encoder: Any
    decoder: Any

    def __init__(self, encoder: nn.Module, decoder: nn.Module) -> None:
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder

    def forward(self, enc_X: torch.Tensor, dec_X: torch.Tensor, *args: Any) -> torch.Tensor:
        enc_all_outputs = self.encoder(enc_X, *args)
        dec_state = self.decoder.init_state(enc_all_outputs, *args)
        return self.decoder(dec_X, dec_state)[0]

    def predict_step(
        self, batch: Any, device: Any, num_steps: int, save_attention_weights: bool = False
    ) -> tuple[torch.Tensor, list[Any]]:
        """Greedy predictions ``(B, num_steps)`` for a batch, from its first target token.

        No stop at ``<eos>``: cut each row there. Runs in the model's current mode.
        """
        batch = [a.to(device) for a in batch]
        src, tgt, src_valid_len, _ = batch
        return greedy_steps(self, src, src_valid_len, tgt[:, 0], num_steps, save_attention_weights)


class Seq2SeqEncoder(_seq2seq.Seq2SeqEncoder):
    """Embedding then a multilayer GRU; outputs ``(T, B, H)`` and state ``(L, B, H)`` (10.7).

    d2lkit's encoder, initialised with :func:`init_seq2seq` as in the book
    (its ``rnn`` is the ``nn.GRU`` itself; the book wraps it in ``d2l.GRU``).
    """

    def __init__(
        self,
        vocab_size: int,
        embed_size: int,
        num_hiddens: int,
        num_layers: int,
        dropout: float = 0,
    ) -> None:
        super().__init__(vocab_size, embed_size, num_hiddens, num_layers, dropout)
        self.apply(init_seq2seq)

    def forward(self, X: torch.Tensor, *args: Any) -> tuple[torch.Tensor, torch.Tensor]:
        return super().forward(X)


class Seq2Seq(EncoderDecoder):
    """The encoder-decoder for sequence to sequence learning, trained with Adam (10.7).

    Its loss is the classifier's cross-entropy over all target positions, as in
    the book's library (the masked loss of 10.7 is added by the section itself).
    """

    def __init__(self, encoder: nn.Module, decoder: nn.Module, tgt_pad: int, lr: float) -> None:
        super().__init__(encoder, decoder)
        self.save_hyperparameters()

    def validation_step(self, batch: Any) -> None:
        Y_hat = self(*batch[:-1])
        self.plot("loss", self.loss(Y_hat, batch[-1]), train=False)

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.Adam(self.parameters(), lr=self.lr)


_ = AttentionDecoder  # re-exported: d2lkit's base decoder with attention weights
