"""The 1.0 encoder-decoder API: shapes of the book, logits only, batch greedy prediction."""

from __future__ import annotations

import math

import torch
from torch import nn

from d2lkit.v1 import torch as d2l


class _Decoder(d2l.Decoder):
    """The GRU decoder of 10.7 (the section's own class), written for the test."""

    def __init__(self, vocab_size: int, embed_size: int, num_hiddens: int, num_layers: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = nn.GRU(embed_size + num_hiddens, num_hiddens, num_layers)
        self.dense = nn.Linear(num_hiddens, vocab_size)

    def init_state(self, enc_all_outputs, *args):
        return enc_all_outputs

    def forward(self, X, state):
        embs = self.embedding(X.t().long())
        enc_output, hidden_state = state
        context = enc_output[-1].repeat(embs.shape[0], 1, 1)
        outputs, hidden_state = self.rnn(torch.cat((embs, context), -1), hidden_state)
        return self.dense(outputs).swapaxes(0, 1), [enc_output, hidden_state]


def test_seq2seq_encoder_has_the_books_output_shapes():
    encoder = d2l.Seq2SeqEncoder(10, 8, 16, 2)
    enc_outputs, enc_state = encoder(torch.zeros((4, 9)))
    d2l.check_shape(enc_outputs, (9, 4, 16))
    d2l.check_shape(enc_state, (2, 4, 16))


def test_init_seq2seq_draws_gru_and_linear_weights_within_the_xavier_bound():
    torch.manual_seed(0)
    gru, linear = nn.GRU(8, 16), nn.Linear(16, 10)
    for module in (gru, linear):
        with torch.no_grad():
            for p in module.parameters():
                p.fill_(9.0)
        module.apply(d2l.init_seq2seq)
    bound = math.sqrt(6 / (8 + 48))  # weight_ih_l0 is (3 * 16, 8)
    assert float(gru.weight_ih_l0.detach().abs().max()) <= bound
    assert float(gru.bias_ih_l0.detach()[0]) == 9.0
    assert float(linear.weight.detach().abs().max()) <= math.sqrt(6 / 26)
    assert float(linear.bias.detach()[0]) == 9.0


def test_encoder_decoder_returns_the_decoders_logits_only_and_trains_as_a_classifier():
    model = d2l.Seq2Seq(
        d2l.Seq2SeqEncoder(10, 8, 16, 2), _Decoder(12, 8, 16, 2), tgt_pad=0, lr=0.01
    )
    src, tgt = torch.randint(0, 10, (4, 7)), torch.randint(0, 12, (4, 7))
    logits = model(src, tgt, torch.full((4,), 7))
    assert logits.shape == (4, 7, 12)
    assert isinstance(model.configure_optimizers(), torch.optim.Adam)


def test_predict_step_feeds_back_its_argmax_for_num_steps():
    torch.manual_seed(0)
    model = d2l.Seq2Seq(
        d2l.Seq2SeqEncoder(10, 8, 16, 2), _Decoder(12, 8, 16, 2), tgt_pad=0, lr=0.01
    )
    model.eval()
    src = torch.randint(0, 10, (3, 5))
    tgt = torch.full((3, 5), 2)  # 2 is <bos> in the first column
    batch = (src, tgt, torch.full((3,), 5), tgt)
    preds, weights = model.predict_step(batch, "cpu", num_steps=4)
    assert preds.shape == (3, 4) and weights == []
    with torch.no_grad():  # the loop by hand
        state = model.decoder.init_state(model.encoder(src))
        token, expected = tgt[:, :1], []
        for _ in range(4):
            Y, state = model.decoder(token, state)
            token = Y.argmax(2)
            expected.append(token)
    torch.testing.assert_close(preds, torch.cat(expected, 1))
