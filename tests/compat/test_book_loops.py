"""The book's training loops on tiny data: what they return, print, plot and assert."""

from __future__ import annotations

import copy
import re

import pytest
import torch
from torch import nn

from d2lkit import torch as d2l


def _separable(n=512, batch=64, seed=0):
    """An easy 10-class problem shaped like Fashion-MNIST (B, 1, 28, 28)."""
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 1, 28, 28, generator=g)
    W = torch.randn(784, 10, generator=g)
    y = (X.reshape(n, -1) @ W).argmax(dim=1)
    return d2l.load_array((X, y), batch), d2l.load_array((X, y), batch, is_train=False)


def _scratch_softmax():
    W = torch.normal(0, 0.01, size=(784, 10), requires_grad=True)
    b = torch.zeros(10, requires_grad=True)

    def net(X):
        e = torch.exp(X.reshape(-1, 784) @ W + b)
        return e / e.sum(1, keepdim=True)

    def cross_entropy(y_hat, y):
        return -torch.log(y_hat[range(len(y_hat)), y])

    return net, cross_entropy, [W, b]


def test_train_ch3_with_a_function_net_and_updater(tmp_path):
    torch.manual_seed(0)
    train_iter, test_iter = _separable()
    net, loss, params = _scratch_softmax()
    d2l.train_ch3(net, train_iter, test_iter, loss, 3, lambda bs: d2l.sgd(params, 0.5, bs))
    assert d2l.evaluate_accuracy(net, test_iter) > 0.9
    assert (tmp_path / "plots" / "animator.png").is_file()  # headless: a PNG, said once


def test_train_ch3_keeps_the_books_asserts():
    train_iter, test_iter = _separable()
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    loss = nn.CrossEntropyLoss(reduction="none")
    with pytest.raises(AssertionError):
        d2l.train_ch3(net, train_iter, test_iter, loss, 1, torch.optim.SGD(net.parameters(), 0))


def test_train_epoch_ch3_returns_loss_and_accuracy():
    train_iter, _ = _separable()
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    loss = nn.CrossEntropyLoss(reduction="none")
    result = d2l.train_epoch_ch3(net, train_iter, loss, torch.optim.SGD(net.parameters(), 0.1))
    assert isinstance(result, tuple) and len(result) == 2 and 0 <= result[1] <= 1
    reg = d2l.load_array((torch.randn(40, 3), torch.randn(40, 1)), 10)
    lin = nn.Linear(3, 1)
    loss_value, _ = d2l.train_epoch_ch3(
        lin, reg, nn.MSELoss(reduction="none"), torch.optim.SGD(lin.parameters(), 0.01)
    )
    assert loss_value > 0


def test_train_ch6_prints_the_books_lines(capsys):
    train_iter, test_iter = _separable(256, 64)
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    d2l.train_ch6(net, train_iter, test_iter, 2, 0.5, d2l.try_gpu())
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"training on {d2l.try_gpu()}"
    assert re.fullmatch(r"loss \d+\.\d{3}, train acc [01]\.\d{3}, test acc [01]\.\d{3}", out[1])
    assert re.fullmatch(r"\d+\.\d examples/sec on cpu", out[2]) or "cuda" in out[2]


def _tiny_time_machine():
    train_iter, vocab = d2l.load_data_time_machine(8, 10, max_tokens=2000)
    return train_iter, vocab


@pytest.mark.slow
def test_train_ch8_prints_perplexity_speed_and_samples(capsys, data_root, scratch_rnn):
    train_iter, vocab = _tiny_time_machine()
    net = scratch_rnn(len(vocab), 32)
    d2l.train_ch8(net, train_iter, vocab, 1, 10, d2l.try_gpu())
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("time traveller") and len(out[0]) == len("time traveller") + 50
    assert re.fullmatch(r"困惑度 \d+\.\d, \d+\.\d 词元/秒 cpu", out[1])
    assert out[2].startswith("time traveller") and out[3].startswith("traveller")
    concise = d2l.RNNModel(nn.GRU(len(vocab), 32), len(vocab))
    d2l.train_ch8(concise, train_iter, vocab, 1, 2, "cpu", use_random_iter=True)
    ppl = float(capsys.readouterr().out.splitlines()[0].split()[1].rstrip(","))
    assert 1 < ppl < len(vocab) * 2


class _Decoder(d2l.Decoder):
    """The book's Seq2SeqDecoder (9.7), small."""

    def __init__(self, vocab_size, embed_size, num_hiddens, num_layers):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = nn.GRU(embed_size + num_hiddens, num_hiddens, num_layers)
        self.dense = nn.Linear(num_hiddens, vocab_size)

    def init_state(self, enc_outputs, *args):
        return enc_outputs[1]

    def forward(self, X, state):
        X = self.embedding(X).permute(1, 0, 2)
        context = state[-1].repeat(X.shape[0], 1, 1)
        output, state = self.rnn(torch.cat((X, context), 2), state)
        return self.dense(output).permute(1, 0, 2), state


def test_train_seq2seq_and_predict(capsys):
    vocab = d2l.Vocab([["a", "b", "c", "d"]], reserved_tokens=["<pad>", "<bos>", "<eos>"])
    g = torch.Generator().manual_seed(0)
    X = torch.randint(4, 8, (32, 6), generator=g)
    lens = torch.full((32,), 6)
    data_iter = d2l.load_array((X, lens, X.clone(), lens), 8)
    net = d2l.EncoderDecoder(
        d2l.Seq2SeqEncoder(len(vocab), 8, 16, 1), _Decoder(len(vocab), 8, 16, 1)
    )
    d2l.train_seq2seq(net, data_iter, 0.01, 10, vocab, "cpu")
    line = capsys.readouterr().out.strip()
    assert re.fullmatch(r"loss \d+\.\d{3}, \d+\.\d tokens/sec on cpu", line)
    translation, weights = d2l.predict_seq2seq(net, "a b", vocab, vocab, 6, "cpu")
    assert isinstance(translation, str) and weights == []


def test_train_seq2seq_takes_the_books_steps(capsys):
    """Same start, same batches: the parameters after training match the book's loop.

    The book backpropagates ``l.sum()`` (each sequence's masked loss averaged over
    num_steps) and clips that gradient to norm 1; with a short target the clip
    is active, so backpropagating the token mean instead would take other steps.
    """
    from d2lkit.models.init import init_weights

    vocab = d2l.Vocab([["a", "b", "c", "d"]], reserved_tokens=["<pad>", "<bos>", "<eos>"])
    g = torch.Generator().manual_seed(1)
    X, Y = torch.randint(4, 8, (16, 6), generator=g), torch.randint(4, 8, (16, 6), generator=g)
    x_len, y_len = torch.randint(2, 7, (16,), generator=g), torch.randint(2, 7, (16,), generator=g)
    data_iter = d2l.load_array((X, x_len, Y, y_len), 8, is_train=False)
    torch.manual_seed(0)
    ours = d2l.EncoderDecoder(
        d2l.Seq2SeqEncoder(len(vocab), 8, 16, 1), _Decoder(len(vocab), 8, 16, 1)
    )
    book = copy.deepcopy(ours)
    torch.manual_seed(0)
    d2l.train_seq2seq(ours, data_iter, 0.01, 3, vocab, "cpu")
    capsys.readouterr()

    torch.manual_seed(0)
    init_weights(book, "xavier_uniform")  # the same draws as train_seq2seq's init
    optimizer = torch.optim.Adam(book.parameters(), lr=0.01)
    clipped = 0
    for _ in range(3):  # d2l 0.17.6 train_seq2seq, written out
        for Xb, Xl, Yb, Yl in data_iter:
            optimizer.zero_grad()
            dec_input = torch.cat([torch.full((Yb.shape[0], 1), vocab["<bos>"]), Yb[:, :-1]], 1)
            logits, _ = book(Xb, dec_input, Xl)
            ce = nn.CrossEntropyLoss(reduction="none")(logits.permute(0, 2, 1), Yb)
            mask = torch.arange(Yb.shape[1])[None, :] < Yl[:, None]
            (ce * mask).mean(dim=1).sum().backward()
            norm = torch.sqrt(sum((p.grad**2).sum() for p in book.parameters()))
            if norm > 1:
                clipped += 1
                for p in book.parameters():
                    p.grad[:] *= 1 / norm
            optimizer.step()
    assert clipped > 0  # the clip mattered: the test can tell the two objectives apart
    for a, b in zip(ours.parameters(), book.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)


def test_train_ch11_and_concise(capsys, data_root):
    def sgd(params, states, hyperparams):
        for p in params:
            p.data.sub_(hyperparams["lr"] * p.grad)
            p.grad.data.zero_()

    data_iter, feature_dim = d2l.get_data_ch11(100)
    assert feature_dim == 5 and len(data_iter) == 15
    times, losses = d2l.train_ch11(sgd, None, {"lr": 0.4}, data_iter, feature_dim)
    assert len(times) == len(losses) == 15  # every 200 examples over 2 epochs of 1500
    assert times == sorted(times) and 0.2 < losses[-1] < 0.35
    assert re.fullmatch(r"loss: 0\.\d{3}, \d+\.\d{3} sec/epoch", capsys.readouterr().out.strip())
    data_iter, _ = d2l.get_data_ch11(10)
    d2l.train_concise_ch11(torch.optim.SGD, {"lr": 0.01}, data_iter, num_epochs=1)
    line = capsys.readouterr().out.strip()
    assert re.fullmatch(r"loss: 0\.\d{3}, \d+\.\d{3} sec/epoch", line)
    assert 0.2 < float(line.split()[1].rstrip(",")) < 0.3


def test_train_ch6_trains_large_images_in_nhwc_and_hands_the_net_back_in_nchw():
    g = torch.Generator().manual_seed(0)
    X, y = torch.rand(32, 1, 64, 64, generator=g), torch.randint(0, 2, (32,), generator=g)
    seen = []

    class Probe(nn.Module):
        def forward(self, x):
            seen.append(x.is_contiguous(memory_format=torch.channels_last))
            return x

    net = nn.Sequential(Probe(), nn.Conv2d(1, 4, 3), nn.Conv2d(4, 4, 3), nn.AdaptiveAvgPool2d(1),
                        nn.Flatten(), nn.Linear(4, 2))  # fmt: skip
    it = d2l.load_array((X, y), 16)
    d2l.train_ch6(net, it, it, 1, 0.1, torch.device("cpu"))
    assert seen and all(seen[1:])  # the first call is the probe's single example
    assert net[2].weight.is_contiguous()  # the book's later cells see the usual layout
