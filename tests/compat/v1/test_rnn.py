"""The 1.0 recurrent models: the book's shapes, and the language models' predictions."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from d2lkit.data.text import SortedVocab
from d2lkit.v1 import torch as d2l


def test_rnn_scratch_returns_one_state_per_step_and_the_last():
    batch_size, num_inputs, num_hiddens, num_steps = 2, 16, 32, 100  # the book's check
    rnn = d2l.RNNScratch(num_inputs, num_hiddens)
    X = torch.randn(num_steps, batch_size, num_inputs)
    outputs, state = rnn(X)
    d2l.check_len(outputs, num_steps)
    d2l.check_shape(outputs[0], (batch_size, num_hiddens))
    d2l.check_shape(state, (batch_size, num_hiddens))
    # the recurrence by hand for the first two steps
    H = torch.tanh(X[0] @ rnn.W_xh + rnn.b_h)
    torch.testing.assert_close(outputs[0], H)
    torch.testing.assert_close(outputs[1], torch.tanh(X[1] @ rnn.W_xh + H @ rnn.W_hh + rnn.b_h))


def test_check_shape_and_check_len_fail_with_the_books_messages():
    with pytest.raises(AssertionError, match="list's length 2 != expected length 3"):
        d2l.check_len([1, 2], 3)
    with pytest.raises(AssertionError, match="expected shape"):
        d2l.check_shape(torch.zeros(2), (3,))


def test_rnn_lm_scratch_maps_token_ids_to_logits_per_step():
    rnn = d2l.RNNScratch(num_inputs=16, num_hiddens=32)
    model = d2l.RNNLMScratch(rnn, vocab_size=16)
    outputs = model(torch.ones((2, 100), dtype=torch.int64))
    d2l.check_shape(outputs, (2, 100, 16))


@pytest.mark.parametrize("kind", ["scratch", "rnn", "gru"])
def test_predict_continues_the_prefix_with_greedy_tokens(kind: str):
    vocab = SortedVocab(list("the time machine "))
    V = len(vocab)
    if kind == "scratch":
        model = d2l.RNNLMScratch(d2l.RNNScratch(V, 8), vocab_size=V)
    elif kind == "rnn":
        model = d2l.RNNLM(d2l.RNN(num_inputs=V, num_hiddens=8), vocab_size=V)
    else:
        model = d2l.RNNLM(d2l.GRU(num_inputs=V, num_hiddens=8, num_layers=2), vocab_size=V)
    text = model.predict("time ", 6, vocab)
    # the continuation starts with the model's argmax after the whole prefix
    with torch.no_grad():
        logits = model(torch.tensor([vocab[list("time ")]]))
    assert text.startswith("time " + vocab.idx_to_token[int(logits[0, -1].argmax())])


def test_gru_layers_are_torchs_gru_with_dropout_between_layers():
    gru = d2l.GRU(num_inputs=5, num_hiddens=7, num_layers=2, dropout=0.1)
    assert isinstance(gru.rnn, nn.GRU) and gru.rnn.dropout == 0.1 and gru.num_layers == 2
    outputs, state = gru(torch.randn(3, 4, 5))
    assert outputs.shape == (3, 4, 7) and state.shape == (2, 4, 7)
