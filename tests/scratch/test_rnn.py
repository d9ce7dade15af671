"""scratch RNN / GRU / LSTM equal torch's cells, layers and a one-hot RNN + Linear language model.

Mapping: torch stacks the gates' transposed weights, ``weight_ih = cat(W_x*).T``
in torch's gate order (GRU r, z, n; LSTM i, f, g, o), and has two biases per
gate; the scratch cell equals torch's with ``bias_ih`` = the scratch biases and
``bias_hh`` = 0. Gradients of torch's stacked tensors are split back per gate.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from d2lkit import scratch

TOL = dict(rtol=1e-5, atol=1e-5)  # float32; torch fuses the gates' matmuls: another sum order
GATES = {"rnn": ["h"], "gru": ["r", "z", "h"], "lstm": ["i", "f", "c", "o"]}  # torch's order
SCRATCH = {"rnn": scratch.RNNScratch, "gru": scratch.GRUScratch, "lstm": scratch.LSTMScratch}
TORCH_CELL = {"rnn": nn.RNNCell, "gru": nn.GRUCell, "lstm": nn.LSTMCell}
TORCH_LAYER = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}
KINDS = ["rnn", "gru", "lstm"]
SIZES = [(1, 3, 4), (5, 7, 6)]  # (B, D, H)


def _randomise(module: nn.Module, seed: int) -> None:
    """Weights of order 1 (not the book's 0.01) so that every gate matters."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.5)


def _to_torch(cell: nn.Module, kind: str, theirs: nn.Module, suffix: str = "") -> None:
    """Copy the scratch cell's parameters into a torch cell or one-layer torch RNN."""
    gates = GATES[kind]
    with torch.no_grad():
        getattr(theirs, "weight_ih" + suffix).copy_(
            torch.cat([getattr(cell, f"W_x{g}") for g in gates], dim=1).T
        )
        getattr(theirs, "weight_hh" + suffix).copy_(
            torch.cat([getattr(cell, f"W_h{g}") for g in gates], dim=1).T
        )
        getattr(theirs, "bias_ih" + suffix).copy_(
            torch.cat([getattr(cell, f"b_{g}") for g in gates])
        )
        getattr(theirs, "bias_hh" + suffix).zero_()


def _assert_same_param_grads(
    cell: nn.Module, kind: str, theirs: nn.Module, suffix: str = ""
) -> None:
    gates = GATES[kind]
    w_ih = getattr(theirs, "weight_ih" + suffix).grad.T.chunk(len(gates), dim=1)
    w_hh = getattr(theirs, "weight_hh" + suffix).grad.T.chunk(len(gates), dim=1)
    b = getattr(theirs, "bias_ih" + suffix).grad.chunk(len(gates))
    for i, g in enumerate(gates):
        torch.testing.assert_close(getattr(cell, f"W_x{g}").grad, w_ih[i], **TOL)
        torch.testing.assert_close(getattr(cell, f"W_h{g}").grad, w_hh[i], **TOL)
        torch.testing.assert_close(getattr(cell, f"b_{g}").grad, b[i], **TOL)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("batch", "d", "h"), SIZES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cell_step_matches_torch_cell_in_value_and_gradient(kind, batch, d, h, seed):
    cell = SCRATCH[kind](d, h)
    _randomise(cell, seed)
    theirs = TORCH_CELL[kind](d, h)
    _to_torch(cell, kind, theirs)
    g = torch.Generator().manual_seed(100 + seed)
    X = torch.randn(batch, d, generator=g)
    state = tuple(torch.randn(batch, h, generator=g) for _ in range(cell.num_states))
    X_ours, X_theirs = X.clone().requires_grad_(True), X.clone().requires_grad_(True)
    new = cell.step(X_ours, state)
    new_ref = theirs(X_theirs, state if kind == "lstm" else state[0])
    new_ref = new_ref if kind == "lstm" else (new_ref,)
    Gs = [torch.randn(batch, h, generator=g) for _ in new]
    sum((s * G).sum() for s, G in zip(new, Gs, strict=True)).backward()
    sum((s * G).sum() for s, G in zip(new_ref, Gs, strict=True)).backward()
    for s, s_ref in zip(new, new_ref, strict=True):
        torch.testing.assert_close(s, s_ref, **TOL)
    torch.testing.assert_close(X_ours.grad, X_theirs.grad, **TOL)
    _assert_same_param_grads(cell, kind, theirs)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("steps", "batch", "d", "h"), [(1, 2, 3, 4), (6, 3, 5, 8)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sequence_forward_matches_torch_rnn_layer_in_value_and_gradient(
    kind, steps, batch, d, h, seed
):
    cell = SCRATCH[kind](d, h)
    _randomise(cell, seed)
    theirs = TORCH_LAYER[kind](d, h)  # one layer, time first, tanh
    _to_torch(cell, kind, theirs, suffix="_l0")
    g = torch.Generator().manual_seed(100 + seed)
    inputs = torch.randn(steps, batch, d, generator=g)  # (T, B, D)
    state = tuple(torch.randn(batch, h, generator=g) for _ in range(cell.num_states))
    G = torch.randn(steps, batch, h, generator=g)
    outputs, final = cell(inputs, state)  # (T, B, H)
    state_ref = tuple(s[None] for s in state)  # torch's (num_layers, B, H)
    outputs_ref, final_ref = theirs(inputs, state_ref if kind == "lstm" else state_ref[0])
    final_ref = final_ref if kind == "lstm" else (final_ref,)
    ((outputs * G).sum() + final[-1].sum()).backward()
    ((outputs_ref * G).sum() + final_ref[-1].sum()).backward()
    torch.testing.assert_close(outputs, outputs_ref, **TOL)
    for s, s_ref in zip(final, final_ref, strict=True):
        torch.testing.assert_close(s, s_ref[0], **TOL)
    _assert_same_param_grads(cell, kind, theirs, suffix="_l0")


@pytest.mark.parametrize("kind", KINDS)
def test_sequence_forward_starts_from_zero_state_by_default(kind):
    cell = SCRATCH[kind](3, 4)
    inputs = torch.randn(5, 2, 3)
    outputs, state = cell(inputs)
    outputs_zero, state_zero = cell(inputs, cell.begin_state(2))
    assert torch.equal(outputs, outputs_zero)
    assert all(torch.equal(a, b) for a, b in zip(state, state_zero, strict=True))
    assert len(state) == (2 if kind == "lstm" else 1)
    assert all(s.shape == (2, 4) for s in state)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("batch", "steps", "vocab", "hiddens"), [(2, 5, 7, 8), (4, 3, 28, 16)])
@pytest.mark.parametrize("seed", [0, 1])
def test_rnn_language_model_matches_torch_rnn_plus_linear(kind, batch, steps, vocab, hiddens, seed):
    model = scratch.RNNModelScratch(vocab, hiddens, cell=kind)
    _randomise(model, seed)
    rnn = TORCH_LAYER[kind](vocab, hiddens)
    _to_torch(model.rnn, kind, rnn, suffix="_l0")
    linear = nn.Linear(hiddens, vocab)
    with torch.no_grad():
        linear.weight.copy_(model.W_hq.T)
        linear.bias.copy_(model.b_q)
    g = torch.Generator().manual_seed(100 + seed)
    X = torch.randint(vocab, (batch, steps), generator=g)  # (B, T) token ids
    Y = torch.randint(vocab, (batch, steps), generator=g)
    state = model.begin_state(batch)
    assert len(state) == (2 if kind == "lstm" else 1)
    assert all(s.shape == (batch, hiddens) and not s.any() for s in state)

    logits, final = model(X, state)  # (T * B, V)
    outputs_ref, final_ref = rnn(F.one_hot(X.T, vocab).float())  # (T, B, H), zero state
    logits_ref = linear(outputs_ref).reshape(-1, vocab)
    final_ref = final_ref if kind == "lstm" else (final_ref,)
    assert logits.shape == (steps * batch, vocab)
    torch.testing.assert_close(logits, logits_ref, **TOL)
    for s, s_ref in zip(final, final_ref, strict=True):
        torch.testing.assert_close(s, s_ref[0], **TOL)

    labels = Y.T.reshape(-1)  # time-major, as the book's train_epoch_ch8
    F.cross_entropy(logits, labels).backward()
    F.cross_entropy(logits_ref, labels).backward()
    torch.testing.assert_close(model.W_hq.grad, linear.weight.grad.T, **TOL)
    torch.testing.assert_close(model.b_q.grad, linear.bias.grad, **TOL)
    _assert_same_param_grads(model.rnn, kind, rnn, suffix="_l0")


def test_rnn_language_model_carries_state_across_batches():
    torch.manual_seed(0)
    model = scratch.RNNModelScratch(10, 6, cell="gru")
    _randomise(model, 0)
    X = torch.randint(10, (3, 8))
    whole, _ = model(X)
    first, state = model(X[:, :5])
    second, _ = model(X[:, 5:], state)  # the book's sequential partitioning
    torch.testing.assert_close(torch.cat([first, second]), whole, **TOL)


def test_rnn_language_model_rejects_an_unknown_cell():
    with pytest.raises(ValueError, match="cell"):
        scratch.RNNModelScratch(10, 6, cell="transformer")
