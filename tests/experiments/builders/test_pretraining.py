"""Chapter 14's data for recipes: PTB skip-gram batches (real data), WikiText-2 BERT examples."""

from __future__ import annotations

import torch

from d2lkit.data.ptb import load_data_ptb
from d2lkit.experiments.builders.data import build_data
from d2lkit.experiments.config import DataConfig


def test_ptb_batches_are_the_libraries_with_the_books_vocabulary(data_root):
    data = build_data(
        DataConfig(dataset="ptb", batch_size=512),
        device=torch.device("cpu"),
        seed=0,
        root=data_root,
    )
    vocab = data.extras["vocab"]
    assert len(vocab) == 6719 == data.model_kwargs["vocab_size"]  # the book's 6,719 words
    center, words, mask, label = next(iter(data.train))
    assert center.shape == (512, 1) and words.shape == mask.shape == label.shape
    assert bool((label <= mask).all())  # context words are real words, never padding
    same, _ = load_data_ptb(512, 5, 5, root=data_root, seed=0)
    torch.testing.assert_close(next(iter(same))[1], words)  # one seed, the same draws
    assert data.evals == {}


def test_wikitext_gives_the_seven_bert_tensors_and_the_vocabulary(fake_store):
    root = fake_store.wikitext()
    data = build_data(
        DataConfig(dataset="wikitext-2", batch_size=8, kwargs={"max_len": 32}),
        device=torch.device("cpu"), seed=0, root=root,
    )  # fmt: skip
    batch = next(iter(data.train))
    assert len(batch) == 7 and batch[0].shape == (8, 32) and batch[3].shape == (8, round(32 * 0.15))
    vocab = data.extras["vocab"]
    assert data.model_kwargs == {"vocab_size": len(vocab)}
    assert vocab.idx_to_token[:5] == ["<unk>", "<pad>", "<mask>", "<cls>", "<sep>"]
    assert bool((batch[0][:, 0] == vocab["<cls>"]).all())
