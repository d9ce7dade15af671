"""d2l 1.0's recurrent networks (9.5, 9.6, 10.3): scratch RNN, language models, RNN and GRU layers.

The language models are :class:`~d2lkit.compat.v1.module.Classifier` s over
``(B, T)`` token ids, so the facade's ``Trainer`` runs them through d2lkit's
Trainer with their own ``training_step``; the recurrent layers are torch's
(``nn.RNN``, ``nn.GRU``) or the book's scratch cell.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from d2lkit.compat.v1.module import Classifier, Module

__all__ = ["GRU", "RNN", "RNNLM", "RNNLMScratch", "RNNScratch", "check_len", "check_shape"]


def check_len(a: Any, n: int) -> None:
    """Check the length of a list."""
    assert len(a) == n, f"list's length {len(a)} != expected length {n}"


def check_shape(a: Any, shape: Any) -> None:
    """Check the shape of a tensor."""
    assert a.shape == shape, f"tensor's shape {a.shape} != expected shape {shape}"


class RNNScratch(Module):
    """The RNN cell from scratch, unrolled over time: ``H = tanh(X W_xh + H W_hh + b_h)`` (9.5).

    ``forward(inputs (T, B, num_inputs), state=None)`` returns the list of the T
    hidden states (each (B, num_hiddens)) and the last one, as in the book.
    """

    num_inputs: int
    num_hiddens: int
    sigma: float

    def __init__(self, num_inputs: int, num_hiddens: int, sigma: float = 0.01) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.W_xh = nn.Parameter(torch.randn(num_inputs, num_hiddens) * sigma)
        self.W_hh = nn.Parameter(torch.randn(num_hiddens, num_hiddens) * sigma)
        self.b_h = nn.Parameter(torch.zeros(num_hiddens))

    def forward(self, inputs: Any, state: Any = None) -> tuple[list[torch.Tensor], torch.Tensor]:
        if state is None:
            state = torch.zeros((inputs.shape[1], self.num_hiddens), device=inputs.device)
        else:
            (state,) = state  # the book's unpacking of a one-element state
        outputs = []
        for X in inputs:  # (B, num_inputs) per step
            state = torch.tanh(X @ self.W_xh + state @ self.W_hh + self.b_h)
            outputs.append(state)
        return outputs, state


class RNNLMScratch(Classifier):
    """A character language model: one-hot tokens, a recurrent ``rnn``, an output layer (9.5).

    Trains on ``(X, Y)`` token ids ``(B, T)``; plots perplexity (``train_ppl``,
    ``val_ppl``). ``predict(prefix, num_preds, vocab)`` continues a text greedily.
    """

    rnn: Any
    vocab_size: int

    def __init__(self, rnn: Any, vocab_size: int, lr: float = 0.01) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.init_params()

    def init_params(self) -> None:
        self.W_hq = nn.Parameter(
            torch.randn(self.rnn.num_hiddens, self.vocab_size) * self.rnn.sigma
        )
        self.b_q = nn.Parameter(torch.zeros(self.vocab_size))

    def training_step(self, batch: Any) -> torch.Tensor:
        loss = self.loss(self(*batch[:-1]), batch[-1])
        self.plot("ppl", torch.exp(loss.detach()), train=True)
        return loss

    def validation_step(self, batch: Any) -> None:
        loss = self.loss(self(*batch[:-1]), batch[-1])
        self.plot("ppl", torch.exp(loss), train=False)

    def one_hot(self, X: torch.Tensor) -> torch.Tensor:
        """``(B, T)`` ids -> ``(T, B, vocab_size)`` one-hot floats (time first)."""
        return F.one_hot(X.T, self.vocab_size).type(torch.float32)

    def output_layer(self, rnn_outputs: Any) -> torch.Tensor:
        """Hidden states (T of (B, H)) -> logits (B, T, vocab_size)."""
        outputs = [H @ self.W_hq + self.b_q for H in rnn_outputs]
        return torch.stack(outputs, 1)

    def forward(self, X: torch.Tensor, state: Any = None) -> torch.Tensor:
        embs = self.one_hot(X)
        rnn_outputs, _ = self.rnn(embs, state)
        return self.output_layer(rnn_outputs)

    def predict(self, prefix: str, num_preds: int, vocab: Any, device: Any = None) -> str:
        """``prefix`` followed by ``num_preds`` greedily predicted characters."""
        state, outputs = None, [vocab[prefix[0]]]
        for i in range(len(prefix) + num_preds - 1):
            X = torch.tensor([[outputs[-1]]], device=device)
            embs = self.one_hot(X)
            rnn_outputs, state = self.rnn(embs, state)
            if i < len(prefix) - 1:  # warm-up: feed the prefix
                outputs.append(vocab[prefix[i + 1]])
            else:
                Y = self.output_layer(rnn_outputs)
                outputs.append(int(Y.argmax(dim=2).reshape(1)))
        return "".join(vocab.idx_to_token[i] for i in outputs)


class RNN(Module):
    """A ``nn.RNN`` layer as a module of the book: ``forward(inputs, H=None)`` (9.6)."""

    rnn: nn.RNNBase
    num_inputs: int
    num_hiddens: int

    def __init__(self, num_inputs: int, num_hiddens: int) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.rnn = nn.RNN(num_inputs, num_hiddens)

    def forward(self, inputs: torch.Tensor, H: Any = None) -> Any:
        return self.rnn(inputs, H)


class RNNLM(RNNLMScratch):
    """The language model over a torch recurrent layer; a lazy linear output layer (9.6)."""

    def init_params(self) -> None:
        self.linear = nn.LazyLinear(self.vocab_size)

    def output_layer(self, hiddens: torch.Tensor) -> torch.Tensor:
        return self.linear(hiddens).swapaxes(0, 1)  # (T, B, V) -> (B, T, V)


class GRU(RNN):
    """A multilayer ``nn.GRU`` (10.3); dropout between layers."""

    def __init__(
        self, num_inputs: int, num_hiddens: int, num_layers: int, dropout: float = 0
    ) -> None:
        Module.__init__(self)
        self.save_hyperparameters()
        # torch warns about dropout on a one-layer GRU (it applies only between layers)
        self.rnn = nn.GRU(
            num_inputs, num_hiddens, num_layers, dropout=dropout if num_layers > 1 else 0
        )
