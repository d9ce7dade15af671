"""DataModule and the 1.0 data sets: the book's shapes, values and printed tokens."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
import torch

from d2lkit.data import TensorLoader
from d2lkit.v1 import torch as d2l

from ..conftest import SHARED_DATA

needs_data = pytest.mark.skipif(SHARED_DATA is None, reason="real data not found (D2LKIT_DATA)")


def test_synthetic_regression_data_draws_the_books_numbers():
    torch.manual_seed(3)
    data = d2l.SyntheticRegressionData(w=torch.tensor([2, -3.4]), b=4.2, noise=0.01)
    torch.manual_seed(3)  # the book's draws: X (2000, 2), then the noise (2000, 1)
    X = torch.randn(2000, 2)
    noise = torch.randn(2000, 1) * 0.01
    torch.testing.assert_close(data.X, X)
    torch.testing.assert_close(data.y, X @ torch.tensor([[2.0], [-3.4]]) + 4.2 + noise)
    assert (data.num_train, data.num_val, data.batch_size) == (1000, 1000, 32)


def test_get_tensorloader_serves_the_slice_in_batches_shuffled_only_for_training():
    data = d2l.SyntheticRegressionData(
        w=torch.tensor([1.0]), b=0.0, num_train=10, num_val=7, batch_size=4
    )
    train, val = data.train_dataloader(), data.val_dataloader()
    assert isinstance(train, TensorLoader) and (len(train), len(val)) == (3, 2)
    X_val = torch.cat([X for X, _ in val])
    torch.testing.assert_close(X_val, data.X[10:])  # in order
    X_train = torch.cat([X for X, _ in train])
    assert sorted(X_train.flatten().tolist()) == sorted(data.X[:10].flatten().tolist())


@needs_data
def test_fashion_mnist_serves_float_images_in_the_unit_interval_with_resize():
    data = d2l.FashionMNIST(batch_size=64, resize=(32, 32))
    assert (len(data.train), len(data.val)) == (60000, 10000)
    assert data.train[0][0].shape == (1, 32, 32)  # the book's `data.train[0][0].shape`
    X, y = next(iter(data.train_dataloader()))
    assert (X.shape, X.dtype, y.shape, y.dtype) == (
        (64, 1, 32, 32),
        torch.float32,
        (64,),
        torch.int64,
    )
    assert float(X.min()) >= 0.0 and float(X.max()) <= 1.0
    assert len(data.val_dataloader()) == 157  # ceil(10000 / 64)


@needs_data
def test_fashion_mnist_images_are_the_idx_bytes_over_255():
    assert SHARED_DATA is not None
    raw = gzip.decompress(
        (SHARED_DATA / "fashion-mnist" / "t10k-images-idx3-ubyte.gz").read_bytes()
    )
    first = torch.frombuffer(bytearray(raw[16 : 16 + 784]), dtype=torch.uint8).reshape(1, 28, 28)
    data = d2l.FashionMNIST()
    image, label = data.val[0]
    torch.testing.assert_close(image, first.float() / 255)
    assert data.text_labels([label, 0, 9]) == ["ankle boot", "t-shirt", "ankle boot"]


@needs_data
def test_visualize_draws_the_batch_with_its_labels(tmp_path: Path):
    data = d2l.FashionMNIST(batch_size=8)
    data.visualize(next(iter(data.val_dataloader())))
    assert list((tmp_path / "plots").glob("images*.png"))


@needs_data
def test_time_machine_windows_follow_the_corpus_of_the_book():
    assert SHARED_DATA is not None
    raw = (SHARED_DATA / "d2l" / "timemachine.txt").read_text()
    chars = list(re.sub("[^A-Za-z]+", " ", raw).lower())
    vocab = sorted({"<unk>", *chars})  # 1.0's vocabulary: every token, sorted
    data = d2l.TimeMachine(batch_size=2, num_steps=10)
    assert data.vocab.idx_to_token == vocab and len(data.vocab) == 28
    corpus = torch.tensor([vocab.index(c) for c in chars])
    assert data.X.shape == (len(chars) - 10, 10)
    torch.testing.assert_close(data.X[123], corpus[123:133])
    torch.testing.assert_close(data.Y[123], corpus[124:134])
    X, Y = next(iter(data.train_dataloader()))
    assert X.shape == (2, 10) and torch.equal(X[:, 1:], Y[:, :-1])
    assert len(data.train_dataloader()) == 5000 and len(data.val_dataloader()) == 2500


@needs_data
def test_mt_fra_eng_builds_the_books_arrays():
    data = d2l.MTFraEng(batch_size=3)
    src, tgt, src_valid_len, label = next(iter(data.train_dataloader()))
    assert src.shape == tgt.shape == label.shape == (3, 9) and src_valid_len.shape == (3,)
    assert torch.equal(tgt[:, 1:], label[:, :-1])  # the decoder input is the label shifted right
    assert (tgt[:, 0] == data.tgt_vocab["<bos>"]).all()
    src, tgt, _, _ = data.build(["hi ."], ["salut ."])  # the book's printed example
    assert data.src_vocab.to_tokens(src[0].int()) == ["hi", ".", "<eos>"] + ["<pad>"] * 6
    assert (
        data.tgt_vocab.to_tokens(tgt[0].int()) == ["<bos>", "salut", ".", "<eos>"] + ["<pad>"] * 5
    )
    assert (
        (len(data.arrays[0]), data.src_vocab.idx_to_token[:4])
        == (
            641,  # lines 0..640 of the text: the book's `i > max_examples` lets one more through
            sorted(data.src_vocab.idx_to_token)[:4],
        )
    )
