"""The transformer (d2l 10.7): the book's block shapes, causal masking, cached decoding."""

from __future__ import annotations

import torch

from d2lkit.models import create_model
from d2lkit.models.transformer import (
    AddNorm,
    PositionWiseFFN,
    TransformerDecoderBlock,
    TransformerEncoder,
    TransformerEncoderBlock,
)


def test_position_wise_ffn_shape() -> None:
    assert PositionWiseFFN(4, 4, 8).eval()(torch.ones((2, 3, 4))).shape == (2, 3, 8)


def test_add_norm_shape_and_normalisation() -> None:
    add_norm = AddNorm([3, 4], 0.5).eval()
    Y = add_norm(torch.ones((2, 3, 4)), torch.randn((2, 3, 4)))
    assert Y.shape == (2, 3, 4)
    torch.testing.assert_close(Y.mean(dim=(1, 2)), torch.zeros(2), atol=1e-6, rtol=0)


def test_encoder_block_keeps_the_shape() -> None:
    blk = TransformerEncoderBlock(
        num_hiddens=24, ffn_num_hiddens=48, num_heads=8, dropout=0.5
    ).eval()
    assert blk(torch.ones((2, 100, 24)), torch.tensor([3, 2])).shape == (2, 100, 24)


def test_encoder_shape_matches_the_book() -> None:
    encoder = TransformerEncoder(
        vocab_size=200, num_hiddens=24, ffn_num_hiddens=48, num_heads=8, num_layers=2, dropout=0.5
    ).eval()
    out = encoder(torch.ones((2, 100), dtype=torch.long), torch.tensor([3, 2]))
    assert out.shape == (2, 100, 24)
    assert [w.shape for w in encoder.attention_weights] == [(16, 100, 100)] * 2


def test_decoder_block_keeps_the_shape() -> None:
    blk = TransformerDecoderBlock(
        num_hiddens=24, ffn_num_hiddens=48, num_heads=8, dropout=0.5
    ).eval()
    X, enc = torch.ones((2, 100, 24)), torch.ones((2, 100, 24))
    out, cache = blk(X, enc, torch.tensor([3, 2]), None)
    assert out.shape == cache.shape == (2, 100, 24)


def test_decoder_never_looks_ahead() -> None:
    torch.manual_seed(0)
    net = create_model("transformer_tiny")  # training mode: dropout is 0 in the tiny model
    src, tgt = torch.randint(0, 12, (2, 5)), torch.randint(0, 12, (2, 6))
    changed = tgt.clone()
    changed[:, 3:] = (changed[:, 3:] + 1) % 12
    for mode in (True, False):  # the causal mask holds in evaluation mode too
        net.train(mode)
        a, _ = net(src, tgt)
        b, _ = net(src, changed)
        torch.testing.assert_close(a[:, :3], b[:, :3])
        assert not torch.allclose(a[:, 3:], b[:, 3:])


def test_cached_stepwise_decoding_equals_teacher_forcing() -> None:
    # The cache replaces the masked future and the positional encoding continues.
    torch.manual_seed(0)
    net = create_model("transformer", src_vocab_size=12, tgt_vocab_size=12).eval()
    src, tgt = torch.randint(0, 12, (2, 5)), torch.randint(0, 12, (2, 6))
    valid = torch.tensor([5, 3])
    whole, _ = net(src, tgt, valid)
    state = net.decoder.init_state(net.encoder(src, valid), valid)
    steps = []
    for t in range(tgt.shape[1]):
        logits, state = net.decoder(tgt[:, t : t + 1], state)
        steps.append(logits)
    torch.testing.assert_close(torch.cat(steps, dim=1), whole, atol=1e-5, rtol=1e-5)
    assert state[2][0].shape == (2, 6, 32)  # layer 0 has seen all six tokens


def test_decoder_leaves_its_state_alone() -> None:
    # Beam search extends one state several ways, so the decoder must not change it.
    torch.manual_seed(0)
    net = create_model("transformer_tiny").eval()
    state = net.decoder.init_state(net.encoder(torch.randint(0, 12, (1, 4))))
    first, state1 = net.decoder(torch.tensor([[1]]), state)
    again, _ = net.decoder(torch.tensor([[1]]), state)
    torch.testing.assert_close(first, again)
    assert state[2] == (None,) and state1[2][0].shape == (1, 1, 8)


def test_parameter_count(num_params) -> None:
    Vs, Vt, h, f, L = 20, 30, 32, 64, 2  # the book's 10.7 sizes
    attention = 4 * h * h  # W_q, W_k, W_v, W_o without biases
    ffn = h * f + f + f * h + h
    norm = 2 * h
    encoder = Vs * h + L * (attention + ffn + 2 * norm)
    decoder = Vt * h + L * (2 * attention + ffn + 3 * norm) + h * Vt + Vt
    net = create_model("transformer", src_vocab_size=Vs, tgt_vocab_size=Vt)
    assert num_params(net) == encoder + decoder


def test_a_positionwise_ffn_without_an_input_size_takes_it_from_the_first_call():
    ffn = PositionWiseFFN(None, 8, 4)
    X = torch.randn(2, 3, 5)
    out = ffn(X)
    assert out.shape == (2, 3, 4) and ffn.dense1.weight.shape == (8, 5)
    hidden = torch.relu(X @ ffn.dense1.weight.T + ffn.dense1.bias)
    torch.testing.assert_close(out, hidden @ ffn.dense2.weight.T + ffn.dense2.bias)
