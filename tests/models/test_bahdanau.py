"""The Bahdanau attention decoder (d2l 10.4): the book's shapes, weights, parameter count."""

from __future__ import annotations

import torch

from d2lkit.models import create_model
from d2lkit.models.bahdanau import Seq2SeqAttentionDecoder
from d2lkit.models.seq2seq import Seq2SeqEncoder


def gru_params(n_in: int, n_hidden: int) -> int:
    return 3 * (n_hidden * n_in + n_hidden * n_hidden + 2 * n_hidden)


def test_decoder_shapes_match_the_book() -> None:
    encoder = Seq2SeqEncoder(vocab_size=10, embed_size=8, num_hiddens=16, num_layers=2).eval()
    decoder = Seq2SeqAttentionDecoder(
        vocab_size=10, embed_size=8, num_hiddens=16, num_layers=2
    ).eval()
    X = torch.zeros((4, 7), dtype=torch.long)
    output, state = decoder(X, decoder.init_state(encoder(X), None))
    assert output.shape == (4, 7, 10)
    assert len(state) == 3
    assert state[0].shape == (4, 7, 16)  # encoder outputs, batch first
    assert len(state[1]) == 2 and state[1][0].shape == (4, 16)  # hidden state per layer


def test_attention_weights_ignore_padding() -> None:
    torch.manual_seed(0)
    net = create_model("seq2seq_attention_tiny").eval()
    valid = torch.tensor([3, 5])
    net(torch.randint(0, 12, (2, 5)), torch.randint(0, 12, (2, 4)), valid)
    weights = torch.cat(net.decoder.attention_weights, dim=1)  # (B, T_tgt, T_src)
    assert weights.shape == (2, 4, 5)
    assert weights[0, :, 3:].eq(0).all()
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, 4))


def test_parameter_count(num_params) -> None:
    Vs, Vt, E, H = 20, 30, 32, 32  # the book's 10.4 sizes
    attention = H * H + H * H + H  # W_k, W_q, w_v
    expected = (
        Vs * E
        + gru_params(E, H)
        + gru_params(H, H)
        + attention
        + Vt * E
        + gru_params(E + H, H)
        + gru_params(H, H)
        + H * Vt
        + Vt
    )
    net = create_model("seq2seq_attention", src_vocab_size=Vs, tgt_vocab_size=Vt)
    assert num_params(net) == expected


def test_stepwise_decoding_equals_teacher_forcing() -> None:
    torch.manual_seed(0)
    net = create_model("seq2seq_attention_tiny").eval()
    src, tgt = torch.randint(0, 12, (2, 5)), torch.randint(0, 12, (2, 4))
    valid = torch.tensor([5, 2])
    whole, _ = net(src, tgt, valid)
    state = net.decoder.init_state(net.encoder(src, valid), valid)
    steps = []
    for t in range(tgt.shape[1]):
        logits, state = net.decoder(tgt[:, t : t + 1], state)
        steps.append(logits)
    torch.testing.assert_close(torch.cat(steps, dim=1), whole)
