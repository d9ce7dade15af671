"""Recurrent language models (d2l 8.6, 9.1-9.4): shapes, parameter counts, carried state."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from d2lkit.errors import ConfigError
from d2lkit.models import create_model
from d2lkit.models.rnn import RNNLM, generate

V, H = 28, 256  # the book's character vocabulary of The Time Machine and hidden size
GATES = {"rnn": 1, "gru": 3, "lstm": 4}  # weight blocks per layer: a GRU has 3, an LSTM 4


def rnn_layer_params(cell: str, n_in: int, n_hidden: int) -> int:
    # Per gate: input weights, hidden weights and two biases (PyTorch keeps b_ih and b_hh).
    return GATES[cell] * (n_hidden * n_in + n_hidden * n_hidden + 2 * n_hidden)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_logits_and_state_shapes(cell: str) -> None:
    net = create_model("rnn_lm", cell=cell)
    logits, state = net(torch.randint(0, V, (2, 35)))
    assert logits.shape == (2, 35, V)  # (B, T, V)
    states = state if cell == "lstm" else (state,)
    for s in states:
        assert s.shape == (1, 2, H)  # (layers * directions, B, H)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_parameter_count(cell: str, num_params) -> None:
    expected = rnn_layer_params(cell, V, H) + H * V + V
    assert num_params(create_model("rnn_lm", cell=cell)) == expected


def test_book_rnn_parameter_count(num_params) -> None:
    # 8.6, the book's sizes written out: W_xh 256 x 28, W_hh 256 x 256, biases b_ih and b_hh
    # (256 each) in nn.RNN; the output layer's 28 x 256 weights and 28 biases.
    net = create_model("rnn_lm")  # the defaults are the book's: 28 tokens, 256 hidden units
    assert num_params(net.rnn) == 256 * 28 + 256 * 256 + 256 + 256 == 73_216
    assert num_params(net.linear) == 28 * 256 + 28 == 7_196
    assert num_params(net) == 80_412
    # ... and the same as torch's own layers of those sizes.
    assert num_params(net) == num_params(nn.RNN(28, 256)) + num_params(nn.Linear(256, 28))


def test_deep_lstm_stacks_layers(num_params) -> None:
    net = create_model("rnn_lm", cell="lstm", num_layers=2)  # 9.3
    _, (h, c) = net(torch.randint(0, V, (3, 5)))
    assert h.shape == c.shape == (2, 3, H)
    expected = rnn_layer_params("lstm", V, H) + rnn_layer_params("lstm", H, H) + H * V + V
    assert num_params(net) == expected


def test_bidirectional_lstm_doubles_features(num_params) -> None:
    net = create_model("rnn_lm", cell="lstm", num_layers=2, bidirectional=True)  # 9.4
    logits, (h, _) = net(torch.randint(0, V, (3, 5)))
    assert logits.shape == (3, 5, V)
    assert h.shape == (4, 3, H)
    expected = (
        2 * rnn_layer_params("lstm", V, H) + 2 * rnn_layer_params("lstm", 2 * H, H) + 2 * H * V + V
    )
    assert num_params(net) == expected


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_begin_state_is_zero_and_the_default(cell: str) -> None:
    torch.manual_seed(0)
    net = create_model("rnn_lm_tiny", cell=cell, num_layers=2)
    state = net.begin_state(batch_size=3)
    for s in state if cell == "lstm" else (state,):
        assert s.shape == (2, 3, 8) and not s.any()
    X = torch.randint(0, V, (3, 4))
    torch.testing.assert_close(net(X, state)[0], net(X)[0])


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_carried_state_continues_the_sequence(cell: str) -> None:
    # Sequential partitioning (8.3) relies on this: two halves with the state carried over
    # give the same logits as the whole sequence at once.
    torch.manual_seed(0)
    net = create_model("rnn_lm_tiny", cell=cell)
    X = torch.randint(0, V, (2, 10))
    whole, _ = net(X)
    first, state = net(X[:, :4])
    second, _ = net(X[:, 4:], state)
    torch.testing.assert_close(torch.cat((first, second), dim=1), whole)


def test_time_major_layer_gives_the_same_logits() -> None:
    torch.manual_seed(0)
    batch_first = create_model("rnn_lm_tiny", cell="gru")
    time_major = RNNLM(nn.GRU(V, 8), V)
    time_major.load_state_dict(batch_first.state_dict())
    X = torch.randint(0, V, (2, 6))
    torch.testing.assert_close(time_major(X)[0], batch_first(X)[0])


def test_generate_feeds_back_its_greedy_predictions() -> None:
    torch.manual_seed(0)
    net = create_model("rnn_lm_tiny")
    out = generate(net, [3, 4, 5], num_preds=6)
    assert out[:3] == [3, 4, 5] and len(out) == 9
    # Each predicted token is the argmax after reading everything before it.
    logits, _ = net(torch.tensor([out[:-1]]))
    assert out[3:] == logits[0, 2:].argmax(-1).tolist()
    assert net.training  # generate restores the mode it found


def test_layer_size_must_match_the_vocabulary() -> None:
    with pytest.raises(ConfigError, match="vocabulary"):
        RNNLM(nn.GRU(10, 8), vocab_size=28)


def test_unknown_cell_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="lstm"):
        create_model("rnn_lm", cell="transformer")


def test_generate_needs_a_prefix() -> None:
    with pytest.raises(ConfigError):
        generate(create_model("rnn_lm_tiny"), [], 3)
