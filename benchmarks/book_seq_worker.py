"""Run the book's own chapter 8-9 loops (d2l 0.17.6 train_epoch_ch8 / train_seq2seq) and time them.

Runs in the book's environment (see setup_book_env.sh), in a working directory
whose ``../data`` holds timemachine.txt and fra-eng.zip (the book's download
cache layout). The models are the book's, as written in its sections (the
ones its library does not save are repeated here from the book's pages).
Usage: book_seq_worker.py CASE EPOCHS SEED OUT.json
"""

import contextlib
import io
import json
import sys
import time

import torch
from d2l import torch as d2l
from torch import nn


# --- 8.5 / 9.1 / 9.2: the from-scratch parameters and cells -----------------------------
def _normal(shape, device):
    return torch.randn(size=shape, device=device) * 0.01


def _three(num_inputs, num_hiddens, device):
    return (
        _normal((num_inputs, num_hiddens), device),
        _normal((num_hiddens, num_hiddens), device),
        torch.zeros(num_hiddens, device=device),
    )


def _scratch_params(gates, vocab_size, num_hiddens, device):
    params = []
    for _ in range(gates):
        params.extend(_three(vocab_size, num_hiddens, device))
    params += [_normal((num_hiddens, vocab_size), device), torch.zeros(vocab_size, device=device)]
    for p in params:
        p.requires_grad_(True)
    return params


def rnn_step(inputs, state, params):
    W_xh, W_hh, b_h, W_hq, b_q = params
    (H,) = state
    outputs = []
    for X in inputs:
        H = torch.tanh(torch.mm(X, W_xh) + torch.mm(H, W_hh) + b_h)
        outputs.append(torch.mm(H, W_hq) + b_q)
    return torch.cat(outputs, dim=0), (H,)


def gru_step(inputs, state, params):
    W_xz, W_hz, b_z, W_xr, W_hr, b_r, W_xh, W_hh, b_h, W_hq, b_q = params
    (H,) = state
    outputs = []
    for X in inputs:
        Z = torch.sigmoid((X @ W_xz) + (H @ W_hz) + b_z)
        R = torch.sigmoid((X @ W_xr) + (H @ W_hr) + b_r)
        H_tilda = torch.tanh((X @ W_xh) + ((R * H) @ W_hh) + b_h)
        H = Z * H + (1 - Z) * H_tilda
        outputs.append(H @ W_hq + b_q)
    return torch.cat(outputs, dim=0), (H,)


def lstm_step(inputs, state, params):
    W_xi, W_hi, b_i, W_xf, W_hf, b_f, W_xo, W_ho, b_o, W_xc, W_hc, b_c, W_hq, b_q = params
    (H, C) = state
    outputs = []
    for X in inputs:
        I = torch.sigmoid((X @ W_xi) + (H @ W_hi) + b_i)  # noqa: E741
        F_ = torch.sigmoid((X @ W_xf) + (H @ W_hf) + b_f)
        O = torch.sigmoid((X @ W_xo) + (H @ W_ho) + b_o)  # noqa: E741
        C_tilda = torch.tanh((X @ W_xc) + (H @ W_hc) + b_c)
        C = F_ * C + I * C_tilda
        H = O * torch.tanh(C)
        outputs.append((H @ W_hq) + b_q)
    return torch.cat(outputs, dim=0), (H, C)


_SCRATCH = {"rnn": (1, 1, rnn_step), "gru": (3, 1, gru_step), "lstm": (4, 2, lstm_step)}


def scratch_model(cell, vocab_size, num_hiddens, device):
    gates, states, step = _SCRATCH[cell]

    def init_state(batch_size, num_hiddens, device):
        return tuple(torch.zeros((batch_size, num_hiddens), device=device) for _ in range(states))

    return d2l.RNNModelScratch(
        vocab_size,
        num_hiddens,
        device,
        lambda v, h, d: _scratch_params(gates, v, h, d),
        init_state,
        step,
    )


# --- 9.7: the decoder the book's library does not save ------------------------------------
class Seq2SeqDecoder(d2l.Decoder):
    def __init__(self, vocab_size, embed_size, num_hiddens, num_layers, dropout=0, **kwargs):
        super().__init__(**kwargs)
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = nn.GRU(embed_size + num_hiddens, num_hiddens, num_layers, dropout=dropout)
        self.dense = nn.Linear(num_hiddens, vocab_size)

    def init_state(self, enc_outputs, *args):
        return enc_outputs[1]

    def forward(self, X, state):
        X = self.embedding(X).permute(1, 0, 2)
        context = state[-1].repeat(X.shape[0], 1, 1)
        output, state = self.rnn(torch.cat((X, context), 2), state)
        return self.dense(output).permute(1, 0, 2), state


LM_CASES = {
    # case: (scratch cell or None, nn layer or None, hidden units, lr)
    "rnn-scratch": ("rnn", None, 512, 1.0),
    "gru-scratch": ("gru", None, 256, 1.0),
    "lstm-scratch": ("lstm", None, 256, 1.0),
    "rnn": (None, nn.RNN, 256, 1.0),
    "gru": (None, nn.GRU, 256, 1.0),
    "lstm": (None, nn.LSTM, 256, 1.0),
}


def language_model(case, epochs, device):
    cell, layer, hiddens, lr = LM_CASES[case]
    train_iter, vocab = d2l.load_data_time_machine(32, 35)
    if cell is not None:
        net = scratch_model(cell, len(vocab), hiddens, device)
        updater = lambda batch_size: d2l.sgd(net.params, lr, batch_size)  # noqa: E731
    else:
        net = d2l.RNNModel(layer(len(vocab), hiddens), len(vocab)).to(device)
        updater = torch.optim.SGD(net.parameters(), lr)
    loss = nn.CrossEntropyLoss()
    tokens = seconds = 0.0
    for _ in range(epochs):
        start = time.perf_counter()
        ppl, speed = d2l.train_epoch_ch8(net, train_iter, loss, updater, device, False)
        took = time.perf_counter() - start
        tokens, seconds = tokens + speed * took, seconds + took
    return {"ppl": ppl, "tokens_per_sec": tokens / seconds, "loop_s": seconds}


def seq2seq(epochs, device):
    d2l.DATA_HUB["fra-eng"] = (d2l.DATA_HUB["fra-eng"][0], sys.argv[5])  # our copy's sha1
    train_iter, src_vocab, tgt_vocab = d2l.load_data_nmt(64, 10)
    encoder = d2l.Seq2SeqEncoder(len(src_vocab), 32, 32, 2, 0.1)
    decoder = Seq2SeqDecoder(len(tgt_vocab), 32, 32, 2, 0.1)
    net = d2l.EncoderDecoder(encoder, decoder)
    tokens_per_epoch = float(sum(batch[3].sum() for batch in train_iter))
    printed = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(printed):
        d2l.train_seq2seq(net, train_iter, 0.005, epochs, tgt_vocab, device)
    seconds = time.perf_counter() - start
    loss = float(printed.getvalue().split("loss ")[-1].split(",")[0])
    bleus = []  # 9.7's four sentences, translated and scored as the book does
    for eng, fra in FOUR_SENTENCES:
        translation, _ = d2l.predict_seq2seq(net, eng, src_vocab, tgt_vocab, 10, device)
        try:
            bleus.append(d2l.bleu(translation, fra, k=2))
        except ZeroDivisionError:  # the book's bleu fails on a one-token translation: a miss
            bleus.append(0.0)
    return {
        "book_loss": loss,
        "book_bleu": sum(bleus) / len(bleus),
        "tokens_per_sec": tokens_per_epoch * epochs / seconds,
        "loop_s": seconds,
    }


FOUR_SENTENCES = [
    ("go .", "va !"),
    ("i lost .", "j'ai perdu ."),
    ("he's calm .", "il est calme ."),
    ("i'm home .", "je suis chez moi ."),
]


def main(case, epochs, seed, out):
    torch.manual_seed(seed)  # the book seeds nothing; this fixes init and sampling
    device = torch.device("cpu")
    figures = seq2seq(epochs, device) if case == "seq2seq" else language_model(case, epochs, device)
    figures["threads"] = torch.get_num_threads()
    with open(out, "w") as f:
        json.dump(figures, f)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
