"""Recurrent cells and the recurrent language model from scratch (d2l 8.5, 9.1, 9.2).

Torch counterparts: ``nn.RNNCell`` / ``nn.GRUCell`` / ``nn.LSTMCell`` for
one ``step``; ``nn.RNN`` / ``nn.GRU`` / ``nn.LSTM`` (one layer, tanh,
sequence first) for ``forward``; ``RNNModelScratch`` equals one of those
followed by ``nn.Linear(num_hiddens, vocab_size)`` on one-hot inputs.

Parameters keep the book's names and layout (``X @ W_xh``, one bias per
gate), where torch stacks the gates' transposed weights (``weight_ih_l0``:
GRU r, z, n; LSTM i, f, g, o) and has two biases per gate; the scratch cell
equals torch's with ``bias_hh`` set to zero. One formula deviates from the
book, to equal torch (and cuDNN): the GRU candidate applies the reset gate
after the hidden matmul, ``tanh(X W_xh + b_h + R * (H W_hh))``, where the
book writes ``tanh(X W_xh + (R * H) W_hh + b_h)``; both are GRUs, but not
the same function. States are tuples, ``(H,)`` or ``(H, C)``, as in 8.5.
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["GRUScratch", "LSTMScratch", "RNNModelScratch", "RNNScratch"]

State = tuple[torch.Tensor, ...]


def _gate(num_inputs: int, num_hiddens: int, sigma: float) -> tuple[nn.Parameter, ...]:
    """W_x (D, H), W_h (H, H) ~ N(0, sigma^2) and b (H,) = 0: the book's initialisation."""
    return (
        nn.Parameter(torch.randn(num_inputs, num_hiddens) * sigma),
        nn.Parameter(torch.randn(num_hiddens, num_hiddens) * sigma),
        nn.Parameter(torch.zeros(num_hiddens)),
    )


class _RecurrentScratch(nn.Module):
    """Shared by the three cells: unroll ``step`` over the time axis."""

    num_hiddens: int
    num_states: int = 1  # (H,); the LSTM adds the memory cell C

    def begin_state(self, batch_size: int, device: torch.device | str | None = None) -> State:
        """Zero state(s) of shape (B, H): what the sequence starts from."""
        dtype = next(self.parameters()).dtype
        return tuple(
            torch.zeros(batch_size, self.num_hiddens, device=device, dtype=dtype)
            for _ in range(self.num_states)
        )

    def step(self, X: torch.Tensor, state: State) -> State:
        raise NotImplementedError

    def forward(
        self, inputs: torch.Tensor, state: State | None = None
    ) -> tuple[torch.Tensor, State]:
        """Run the cell over a sequence.

        Args:
            inputs: (T, B, D), time first as in the book and ``nn.RNN``.
            state: from ``begin_state`` or a previous call; zeros if None.

        Returns:
            The hidden state at every step, (T, B, H), and the final state.
        """
        if state is None:
            state = self.begin_state(inputs.shape[1], inputs.device)
        outputs = []
        for X in inputs:  # X: (B, D)
            state = self.step(X, state)
            outputs.append(state[0])
        return torch.stack(outputs), state  # (T, B, H)


class RNNScratch(_RecurrentScratch):
    """The vanilla RNN cell: H = tanh(X W_xh + H W_hh + b_h)."""

    def __init__(self, num_inputs: int, num_hiddens: int, sigma: float = 0.01) -> None:
        super().__init__()
        self.num_hiddens = num_hiddens
        self.W_xh, self.W_hh, self.b_h = _gate(num_inputs, num_hiddens, sigma)

    def step(self, X: torch.Tensor, state: State) -> State:
        """One time step: X (B, D), state (H,) with H (B, H)."""
        (H,) = state
        return (torch.tanh(X @ self.W_xh + H @ self.W_hh + self.b_h),)


class GRUScratch(_RecurrentScratch):
    """The gated recurrent unit: a reset gate R and an update gate Z decide what H keeps."""

    def __init__(self, num_inputs: int, num_hiddens: int, sigma: float = 0.01) -> None:
        super().__init__()
        self.num_hiddens = num_hiddens
        self.W_xr, self.W_hr, self.b_r = _gate(num_inputs, num_hiddens, sigma)  # reset
        self.W_xz, self.W_hz, self.b_z = _gate(num_inputs, num_hiddens, sigma)  # update
        self.W_xh, self.W_hh, self.b_h = _gate(num_inputs, num_hiddens, sigma)  # candidate

    def step(self, X: torch.Tensor, state: State) -> State:
        """One time step: X (B, D), state (H,) with H (B, H)."""
        (H,) = state
        R = torch.sigmoid(X @ self.W_xr + H @ self.W_hr + self.b_r)
        Z = torch.sigmoid(X @ self.W_xz + H @ self.W_hz + self.b_z)
        H_tilde = torch.tanh(X @ self.W_xh + self.b_h + R * (H @ self.W_hh))  # torch's order
        return (Z * H + (1 - Z) * H_tilde,)


class LSTMScratch(_RecurrentScratch):
    """Long short-term memory: input, forget and output gates around a memory cell C."""

    num_states = 2  # (H, C)

    def __init__(self, num_inputs: int, num_hiddens: int, sigma: float = 0.01) -> None:
        super().__init__()
        self.num_hiddens = num_hiddens
        self.W_xi, self.W_hi, self.b_i = _gate(num_inputs, num_hiddens, sigma)  # input gate
        self.W_xf, self.W_hf, self.b_f = _gate(num_inputs, num_hiddens, sigma)  # forget gate
        self.W_xo, self.W_ho, self.b_o = _gate(num_inputs, num_hiddens, sigma)  # output gate
        self.W_xc, self.W_hc, self.b_c = _gate(num_inputs, num_hiddens, sigma)  # candidate

    def step(self, X: torch.Tensor, state: State) -> State:
        """One time step: X (B, D), state (H, C), each (B, H)."""
        H, C = state
        I = torch.sigmoid(X @ self.W_xi + H @ self.W_hi + self.b_i)  # noqa: E741 (book's name)
        F_ = torch.sigmoid(X @ self.W_xf + H @ self.W_hf + self.b_f)
        O = torch.sigmoid(X @ self.W_xo + H @ self.W_ho + self.b_o)  # noqa: E741 (book's name)
        C_tilde = torch.tanh(X @ self.W_xc + H @ self.W_hc + self.b_c)
        C = F_ * C + I * C_tilde
        return O * torch.tanh(C), C


_CELLS: dict[str, type[_RecurrentScratch]] = {
    "rnn": RNNScratch,
    "gru": GRUScratch,
    "lstm": LSTMScratch,
}


class RNNModelScratch(nn.Module):
    """The book's recurrent language model: one-hot tokens -> recurrent cell -> logits.

    Args:
        vocab_size: tokens in the vocabulary, also the one-hot input width.
        num_hiddens: width of the hidden state.
        cell: "rnn" (8.5), "gru" (9.1) or "lstm" (9.2).
        sigma: standard deviation of the initial weights.
    """

    def __init__(
        self,
        vocab_size: int,
        num_hiddens: int,
        cell: Literal["rnn", "gru", "lstm"] = "rnn",
        sigma: float = 0.01,
    ) -> None:
        super().__init__()
        if cell not in _CELLS:
            raise ValueError(f"cell must be one of {sorted(_CELLS)}, got {cell!r}")
        self.vocab_size, self.num_hiddens = vocab_size, num_hiddens
        self.rnn = _CELLS[cell](vocab_size, num_hiddens, sigma)
        self.W_hq = nn.Parameter(torch.randn(num_hiddens, vocab_size) * sigma)
        self.b_q = nn.Parameter(torch.zeros(vocab_size))

    def begin_state(self, batch_size: int, device: torch.device | str | None = None) -> State:
        """Zero state(s) of shape (B, H), as the book's ``init_rnn_state``."""
        return self.rnn.begin_state(batch_size, device)

    def forward(self, X: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        """Predict the next token at every step.

        Args:
            X: token indices, (B, T).
            state: from ``begin_state`` or the previous batch; zeros if None.

        Returns:
            Logits of shape (T * B, V), time-major as in the book (compare with
            ``Y.T.reshape(-1)``), and the final state.
        """
        inputs = F.one_hot(X.T.long(), self.vocab_size).to(self.W_hq.dtype)  # (T, B, V)
        outputs, state = self.rnn(inputs, state)  # (T, B, H)
        logits = outputs @ self.W_hq + self.b_q  # (T, B, V)
        return logits.reshape(-1, self.vocab_size), state
