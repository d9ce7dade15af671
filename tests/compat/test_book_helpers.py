"""The book's helpers (chapters 3-12): return types, shapes and printed lines."""

from __future__ import annotations

import os
import re

import pytest
import torch
from torch import nn

from d2lkit import torch as d2l


def test_timer_accumulator_benchmark(capsys):
    timer = d2l.Timer()
    first = timer.stop()
    timer.start()
    timer.stop()
    assert first >= 0 and len(timer.times) == 2
    assert timer.cumsum()[-1] == pytest.approx(timer.sum())
    assert timer.avg() == pytest.approx(timer.sum() / 2)
    acc = d2l.Accumulator(2)
    acc.add(torch.tensor(1.5), 2)
    acc.add(0.5, 1)
    assert acc[0] == 2.0 and acc[1] == 3.0 and isinstance(acc[0], float)
    acc.reset()
    assert acc.data == [0.0, 0.0]
    with d2l.Benchmark("numpy"):
        pass
    assert re.fullmatch(r"numpy: \d+\.\d{4} sec\n", capsys.readouterr().out)


def test_accuracy_and_evaluation_with_function_nets():
    y_hat = torch.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])
    y = torch.tensor([0, 2])
    assert d2l.accuracy(y_hat, y) == 1.0 and isinstance(d2l.accuracy(y_hat, y), float)
    X = torch.randn(50, 4)
    labels = X.argmax(dim=1)
    loader = d2l.load_array((X, labels), 16, is_train=False)
    assert d2l.evaluate_accuracy(lambda X: X, loader) == 1.0
    assert d2l.evaluate_accuracy_gpu(nn.Identity(), loader) == 1.0
    w, b = torch.ones(4, 1), torch.zeros(1)
    target = X.sum(dim=1)
    reg = d2l.load_array((X, target), 16)
    assert d2l.evaluate_loss(lambda X: d2l.linreg(X, w, b), reg, d2l.squared_loss) == 0.0
    mse = nn.MSELoss(reduction="none")
    assert d2l.evaluate_loss(lambda X: d2l.linreg(X, w, b) + 1, reg, mse) == pytest.approx(1.0)


def test_load_array_and_synthetic_data():
    torch.manual_seed(0)
    features, labels = d2l.synthetic_data(d2l.tensor([2, -3.4]), 4.2, 1000)
    assert features.shape == (1000, 2) and labels.shape == (1000, 1)
    loader = d2l.load_array((features, labels), 10)
    X, y = next(iter(loader))
    assert X.shape == (10, 2) and y.shape == (10, 1) and len(loader) == 100
    torch.manual_seed(1)
    a = next(iter(d2l.load_array((features, labels), 10)))[0]
    torch.manual_seed(1)
    b = next(iter(d2l.load_array((features, labels), 10)))[0]
    assert torch.equal(a, b)  # the global seed governs the order, as with DataLoader


def test_sgd_and_grad_clipping_on_book_params():
    w = torch.ones(3, requires_grad=True)
    (w * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    d2l.sgd([w], 0.1, 2)
    assert w.tolist() == pytest.approx([0.95, 0.9, 0.85]) and w.grad.abs().sum() == 0

    class Scratch:
        params = (torch.zeros(2, requires_grad=True),)

    net = Scratch()
    (net.params[0] * torch.tensor([30.0, 40.0])).sum().backward()
    d2l.grad_clipping(net, 1)
    assert net.params[0].grad.norm() == pytest.approx(1.0)


def test_fashion_mnist_loaders_and_labels(data_root):
    train_iter, test_iter = d2l.load_data_fashion_mnist(256)
    X, y = next(iter(train_iter))
    assert X.shape == (256, 1, 28, 28) and X.dtype == torch.float32 and y.dtype == torch.int64
    assert X.min() >= 0.0 and X.max() <= 1.0
    assert len(train_iter) == 235 and len(test_iter) == 40
    assert d2l.get_fashion_mnist_labels([0, 9]) == ["t-shirt", "ankle boot"]
    X, _ = next(iter(d2l.load_data_fashion_mnist(32, resize=64)[1]))
    assert X.shape == (32, 1, 64, 64)


def test_devices():
    assert d2l.try_gpu(99) == torch.device("cpu")
    assert d2l.try_all_gpus()[0].type in ("cpu", "cuda")
    assert d2l.get_dataloader_workers() == 4


def test_data_hub_goes_through_the_store(data_root, monkeypatch):
    path = d2l.download("time_machine")
    assert os.path.isfile(path) and path.endswith("timemachine.txt")
    assert os.path.isfile(d2l.download("fra-eng"))  # the store's copy, accepted
    folder = d2l.download_extract("fra-eng")
    assert os.path.isdir(folder) and os.path.isfile(os.path.join(folder, "fra.txt"))
    assert d2l.download_extract("fra-eng") == folder  # extracted once
    assert isinstance(d2l.DATA_HUB, dict) and d2l.DATA_URL.endswith("amazonaws.com/")
    sha1 = d2l.DATA_HUB["airfoil"][1]
    monkeypatch.setitem(d2l.DATA_HUB, "my_airfoil", (d2l.DATA_URL + "airfoil.dat", sha1))
    assert d2l.download("my_airfoil").endswith("airfoil_self_noise.dat")  # known by its sha1
    with pytest.raises(Exception, match="not in DATA_HUB"):
        d2l.download("nope")


@pytest.mark.slow
def test_text_helpers(data_root):
    lines = d2l.read_time_machine()
    assert len(lines) == 3221
    corpus, vocab = d2l.load_corpus_time_machine()
    assert isinstance(corpus, list) and len(vocab) == 28
    train_iter, vocab = d2l.load_data_time_machine(32, 35)
    X, Y = next(iter(train_iter))
    assert X.shape == (32, 35) and torch.equal(X[:, 1:], Y[:, :-1])
    X, Y = next(iter(d2l.seq_data_iter_sequential(list(range(35)), 2, 5)))
    assert X.shape == (2, 5)
    source, _target = d2l.tokenize_nmt(d2l.preprocess_nmt(d2l.read_data_nmt()), 600)
    assert len(source) == 601  # the book's loop keeps num_examples + 1 pairs
    loader, src_vocab, tgt_vocab = d2l.load_data_nmt(2, 8)
    X, X_len, Y, _Y_len = next(iter(loader))
    assert X.shape == (2, 8) and X_len.dtype == torch.int64
    assert (len(src_vocab), len(tgt_vocab)) == (184, 201)  # the book's figures


def test_rnn_models_follow_the_book(scratch_rnn):
    net = scratch_rnn()
    assert not isinstance(net, nn.Module) and len(net.params) == 5
    Y, state = net(torch.arange(10).reshape(2, 5), net.begin_state(2, "cpu"))
    assert Y.shape == (10, 28) and state[0].shape == (2, 16)
    concise = d2l.RNNModel(nn.RNN(28, 16), vocab_size=28)
    Y, state = concise(
        torch.arange(10).reshape(2, 5), concise.begin_state(batch_size=2, device="cpu")
    )
    assert Y.shape == (10, 28) and state.shape == (1, 2, 16)
    vocab = d2l.Vocab(list("abcdefghijklmnopqrstuvwxyz "))
    text = d2l.predict_ch8("ab", 5, net, vocab, "cpu")
    assert isinstance(text, str) and len(text) == 7 and text.startswith("ab")
    assert len(d2l.predict_ch8("ab", 3, concise, vocab, "cpu")) == 5


def test_seq2seq_pieces():
    X = torch.tensor([[1, 2, 3], [4, 5, 6]])
    out = d2l.sequence_mask(X, torch.tensor([1, 2]))
    assert out is X and X.tolist() == [[1, 0, 0], [4, 5, 0]]  # in place, as in the book
    loss = d2l.MaskedSoftmaxCELoss()
    assert isinstance(loss, nn.CrossEntropyLoss)
    value = loss(
        torch.ones(3, 4, 10), torch.ones((3, 4), dtype=torch.long), torch.tensor([4, 2, 0])
    )
    assert value.tolist() == pytest.approx([2.3026, 1.1513, 0.0], abs=1e-4)
    assert d2l.bleu("il est calme .", "il est calme .", k=2) == 1.0
    attention = d2l.MultiHeadAttention(100, 100, 100, 100, 5, 0.5)
    attention.eval()
    q = torch.ones((2, 4, 100))
    assert attention(q, q, q, torch.tensor([3, 2])).shape == (2, 4, 100)
    blk = d2l.EncoderBlock(24, 24, 24, 24, [100, 24], 24, 48, 8, 0.5)
    blk.eval()
    assert blk(torch.ones((2, 100, 24)), torch.tensor([3, 2])).shape == (2, 100, 24)
    enc = d2l.TransformerEncoder(200, 24, 24, 24, 24, [100, 24], 24, 48, 8, 2, 0.5)
    enc.eval()
    assert enc(torch.ones((2, 100), dtype=torch.long), torch.tensor([3, 2])).shape == (2, 100, 24)
    assert len(enc.attention_weights) == 2
    H = torch.randn(2, 3, 8)
    assert torch.equal(d2l.transpose_output(d2l.transpose_qkv(H, 2), 2), H)


def test_resnet18_and_residual():
    assert d2l.Residual(3, 6, use_1x1conv=True, strides=2)(torch.rand(4, 3, 6, 6)).shape == (
        4, 6, 3, 3,
    )  # fmt: skip
    net = d2l.resnet18(10)
    assert net(torch.rand(2, 1, 28, 28)).shape == (2, 10)


def test_train_2d_prints_the_last_point(capsys):
    def gd_2d(x1, x2, s1, s2):
        return (x1 - 0.1 * 2 * x1, x2 - 0.1 * 4 * x2, 0, 0)

    results = d2l.train_2d(gd_2d)
    assert len(results) == 21 and results[0] == (-5, -2)
    assert capsys.readouterr().out == "epoch 20, x1: -0.057646, x2: -0.000073\n"
