"""Recurrent language models over ``nn.RNN`` / ``nn.GRU`` / ``nn.LSTM`` (d2l 8.6, 9.1-9.4).

Inputs are one-hot encoded token ids, as in the book. Unlike the book's
``RNNModel``, which returns ``(T * B, V)`` scores, :class:`RNNLM` returns
``(B, T, V)`` logits, the layout of the sequence-to-sequence decoders; train it
with ``loss(logits.reshape(-1, V), Y.reshape(-1))``.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from torch.nn import functional as F

from d2lkit.errors import ConfigError
from d2lkit.models.registry import register_model
from d2lkit.scratch.rnn import RNNModelScratch

__all__ = ["RNNLM", "RNNState", "generate", "rnn_lm", "rnn_lm_scratch", "rnn_lm_tiny"]

# A hidden state (num_layers * num_directions, B, H); an LSTM's is (hidden, memory cell).
RNNState = torch.Tensor | tuple[torch.Tensor, torch.Tensor]

_CELLS: dict[str, Callable[..., nn.RNNBase]] = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}


class RNNLM(nn.Module):
    """A recurrent layer over one-hot tokens and a linear layer to next-token logits."""

    def __init__(self, rnn: nn.RNNBase, vocab_size: int) -> None:
        super().__init__()
        if rnn.input_size != vocab_size:
            raise ConfigError(
                f"the recurrent layer takes {rnn.input_size} inputs, "
                f"the vocabulary has {vocab_size} tokens",
                fix="build the layer with input_size=vocab_size (one-hot inputs)",
            )
        self.rnn = rnn
        self.vocab_size = vocab_size
        self.num_directions = 2 if rnn.bidirectional else 1
        self.linear = nn.Linear(rnn.hidden_size * self.num_directions, vocab_size)

    def forward(
        self, X: torch.Tensor, state: RNNState | None = None
    ) -> tuple[torch.Tensor, RNNState]:
        """Logits ``(B, T, V)`` for token ids ``X`` ``(B, T)``, and the state after step T.

        ``state=None`` starts from zeros, as :meth:`begin_state` does.
        """
        inputs = F.one_hot(X.long(), self.vocab_size).to(self.linear.weight.dtype)  # (B, T, V)
        if not self.rnn.batch_first:
            inputs = inputs.transpose(0, 1)  # (T, B, V)
        Y, state = self.rnn(inputs, state)  # (B, T, H * D) or (T, B, H * D)
        if not self.rnn.batch_first:
            Y = Y.transpose(0, 1)
        return self.linear(Y), state  # (B, T, V)

    def begin_state(
        self, batch_size: int = 1, device: torch.device | str | None = None
    ) -> RNNState:
        """Zero hidden state ``(num_layers * num_directions, B, H)``; a pair for an LSTM."""
        shape = (self.num_directions * self.rnn.num_layers, batch_size, self.rnn.hidden_size)
        weight = self.linear.weight  # the state follows the model's device and dtype
        h = torch.zeros(
            shape, device=weight.device if device is None else device, dtype=weight.dtype
        )
        return (h, torch.zeros_like(h)) if isinstance(self.rnn, nn.LSTM) else h


def _last_logits(logits: torch.Tensor) -> torch.Tensor:
    """The last step's logits of one sequence: ``(1, T, V)``, or the book's ``(T * 1, V)``."""
    return logits[0, -1] if logits.dim() == 3 else logits[-1]


@torch.no_grad()
def generate(net: nn.Module, prefix: list[int], num_preds: int) -> list[int]:
    """The prefix followed by ``num_preds`` greedily predicted token ids; d2l 8.5 ``predict``.

    The prefix warms the state up; each prediction is then fed back as the next input.
    ``net`` maps ``(X (1, T), state)`` to ``(logits, state)``: an :class:`RNNLM` or the
    scratch model of 8.5 (whose logits are ``(T, V)``).
    """
    if not prefix:
        raise ConfigError(
            "generate needs a prefix of at least one token",
            fix="start from a token such as the first character",
        )
    device = next(net.parameters()).device
    was_training = net.training
    net.eval()
    try:
        logits, state = net(torch.tensor([prefix], device=device))  # (1, len(prefix), V)
        outputs = list(prefix)
        for _ in range(num_preds):
            token = int(_last_logits(logits).argmax())
            outputs.append(token)
            logits, state = net(torch.tensor([[token]], device=device), state)  # (1, 1, V)
    finally:
        net.train(was_training)
    return outputs


@register_model
def rnn_lm(
    vocab_size: int = 28,
    num_hiddens: int = 256,
    cell: str = "rnn",
    num_layers: int = 1,
    bidirectional: bool = False,
    dropout: float = 0.0,
) -> nn.Module:
    """A language model over characters: ``cell`` is ``rnn`` (8.6), ``gru`` (9.1) or ``lstm`` (9.2).

    ``num_layers > 1`` is the deep RNN of 9.3 and ``bidirectional=True`` the model of 9.4
    (which, as the book shows, cannot predict the next token: it sees the future).
    The default vocabulary is the book's 28 characters of *The Time Machine*.
    """
    if cell not in _CELLS:
        raise ConfigError(
            f"unknown recurrent cell {cell!r}", fix=f"use one of: {', '.join(_CELLS)}"
        )
    layer = _CELLS[cell](
        vocab_size,
        num_hiddens,
        num_layers=num_layers,
        batch_first=True,
        bidirectional=bidirectional,
        dropout=dropout if num_layers > 1 else 0.0,
    )
    return RNNLM(layer, vocab_size)


@register_model
def rnn_lm_scratch(vocab_size: int = 28, num_hiddens: int = 512, cell: str = "rnn") -> nn.Module:
    """The from-scratch language model of 8.5 (``rnn``), 9.1 (``gru``) and 9.2 (``lstm``).

    One-hot inputs, the book's N(0, 0.01²) weights, logits in the book's ``(T * B, V)``
    layout and states as tuples; see :class:`d2lkit.scratch.rnn.RNNModelScratch`.
    """
    if cell not in ("rnn", "gru", "lstm"):
        raise ConfigError(f"unknown recurrent cell {cell!r}", fix="use one of: rnn, gru, lstm")
    return RNNModelScratch(vocab_size, num_hiddens, cell)  # type: ignore[arg-type]


@register_model
def rnn_lm_tiny(
    vocab_size: int = 28,
    num_hiddens: int = 8,
    cell: str = "gru",
    num_layers: int = 1,
    bidirectional: bool = False,
) -> nn.Module:
    """An 8-unit recurrent language model, for fast tests."""
    return rnn_lm(vocab_size, num_hiddens, cell, num_layers, bidirectional)
