"""The GRU encoder-decoder (d2l 9.6, 9.7): shapes, masking, the masked loss, parameter count."""

from __future__ import annotations

import torch

from d2lkit.models import create_model
from d2lkit.models.seq2seq import (
    MaskedSoftmaxCELoss,
    Seq2SeqDecoder,
    Seq2SeqEncoder,
    sequence_mask,
)


def gru_params(n_in: int, n_hidden: int) -> int:
    return 3 * (n_hidden * n_in + n_hidden * n_hidden + 2 * n_hidden)


def test_encoder_shapes_match_the_book() -> None:
    encoder = Seq2SeqEncoder(vocab_size=10, embed_size=8, num_hiddens=16, num_layers=2).eval()
    output, state = encoder(torch.zeros((4, 7), dtype=torch.long))
    assert output.shape == (7, 4, 16)  # (T, B, H)
    assert state.shape == (2, 4, 16)  # (L, B, H)


def test_decoder_shapes_match_the_book() -> None:
    encoder = Seq2SeqEncoder(vocab_size=10, embed_size=8, num_hiddens=16, num_layers=2).eval()
    decoder = Seq2SeqDecoder(vocab_size=10, embed_size=8, num_hiddens=16, num_layers=2).eval()
    X = torch.zeros((4, 7), dtype=torch.long)
    output, (_, hidden) = decoder(X, decoder.init_state(encoder(X)))
    assert output.shape == (4, 7, 10)  # (B, T, V)
    assert hidden.shape == (2, 4, 16)


def test_sequence_mask_matches_the_book() -> None:
    X = torch.tensor([[1, 2, 3], [4, 5, 6]])
    assert sequence_mask(X, torch.tensor([1, 2])).tolist() == [[1, 0, 0], [4, 5, 0]]
    Y = sequence_mask(torch.ones(2, 3, 4), torch.tensor([1, 2]), value=-1)
    assert Y[0, 1:].eq(-1).all() and Y[0, 0].eq(1).all() and Y[1, 2].eq(-1).all()


def test_sequence_mask_leaves_its_input_alone() -> None:
    X = torch.ones(2, 3)
    sequence_mask(X, torch.tensor([1, 1]))
    assert X.eq(1).all()


def test_masked_loss_matches_the_book() -> None:
    # 9.7: uniform logits over 10 tokens cost ln 10 per valid step, averaged over all 4 steps.
    loss = MaskedSoftmaxCELoss()(
        torch.ones(3, 4, 10), torch.ones((3, 4), dtype=torch.long), torch.tensor([4, 2, 0])
    )
    ln10 = torch.log(torch.tensor(10.0))
    torch.testing.assert_close(loss, torch.stack([ln10, ln10 / 2, torch.tensor(0.0)]))


def test_encoder_decoder_gives_target_logits() -> None:
    net = create_model("seq2seq", src_vocab_size=20, tgt_vocab_size=30).eval()
    logits, _ = net(
        torch.randint(0, 20, (4, 9)), torch.randint(0, 30, (4, 6)), torch.tensor([9, 5, 3, 1])
    )
    assert logits.shape == (4, 6, 30)


def test_parameter_count(num_params) -> None:
    Vs, Vt, E, H = 20, 30, 32, 32  # the book's 9.7 sizes: embed 32, hidden 32, two layers
    expected = (
        Vs * E
        + gru_params(E, H)
        + gru_params(H, H)
        + Vt * E
        + gru_params(E + H, H)
        + gru_params(H, H)
        + H * Vt
        + Vt
    )
    assert num_params(create_model("seq2seq", src_vocab_size=Vs, tgt_vocab_size=Vt)) == expected


def test_stepwise_decoding_equals_teacher_forcing() -> None:
    # The context stays the encoder's summary, so feeding one token at a time with the
    # returned state reproduces the logits of the whole target at once.
    torch.manual_seed(0)
    net = create_model("seq2seq_tiny").eval()
    src, tgt = torch.randint(0, 12, (2, 5)), torch.randint(0, 12, (2, 4))
    whole, _ = net(src, tgt)
    state = net.decoder.init_state(net.encoder(src))
    steps = []
    for t in range(tgt.shape[1]):
        logits, state = net.decoder(tgt[:, t : t + 1], state)
        steps.append(logits)
    torch.testing.assert_close(torch.cat(steps, dim=1), whole)
