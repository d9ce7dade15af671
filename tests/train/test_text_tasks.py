"""Chapters 14-15's tasks: skip-gram's masked loss, BERT's two losses, multi-input classifiers."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from d2lkit.data import TensorLoader
from d2lkit.errors import ConfigError
from d2lkit.models import create_model
from d2lkit.models.word2vec import SigmoidBCELoss
from d2lkit.train import Trainer, text_tasks


def _skip_gram_batch():
    center = torch.tensor([[1], [4], [2]])
    words = torch.tensor([[2, 3, 5, 0], [1, 6, 7, 8], [9, 1, 0, 0]])
    mask = torch.tensor([[1, 1, 1, 0], [1, 1, 1, 1], [1, 1, 0, 0]])
    label = torch.tensor([[1, 0, 0, 0], [1, 1, 0, 0], [1, 0, 0, 0]])
    return center, words, mask, label


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_skip_gram_loss_is_each_center_words_mean_over_its_valid_words(reduction):
    torch.manual_seed(0)
    net = create_model("word2vec_tiny")
    batch = _skip_gram_batch()
    step = text_tasks.SkipGramTask(reduction).step(net, SigmoidBCELoss(), batch)
    center, words, mask, label = batch
    scores = net(center, words).reshape(3, 4)
    rows = [
        F.binary_cross_entropy_with_logits(scores[i][mask[i] == 1], label[i][mask[i] == 1].float())
        for i in range(3)
    ]  # torch's own mean over the valid positions of each row
    expected = torch.stack(rows)
    torch.testing.assert_close(step.sums["loss"], expected.sum())
    torch.testing.assert_close(step.loss, expected.sum() if reduction == "sum" else expected.mean())
    assert step.count == 3
    with pytest.raises(ConfigError, match="'mean' or 'sum'"):
        text_tasks.SkipGramTask("token_mean")


def test_skip_gram_trains_in_the_trainer():
    torch.manual_seed(0)
    batch = _skip_gram_batch()
    loader = TensorLoader(*(t.repeat(20, 1) for t in batch), batch_size=6, shuffle=True)
    net = create_model("word2vec_tiny")
    trainer = Trainer(
        net,
        SigmoidBCELoss(),
        torch.optim.Adam(net.parameters(), lr=0.05),
        task=text_tasks.SkipGramTask(),
        device="cpu",
    )
    history = trainer.fit(loader, epochs=3)
    assert history[-1]["train_loss"] < history[0]["train_loss"]


def _bert_batch(vocab: int = 30):
    torch.manual_seed(1)
    tokens, segments = torch.randint(0, vocab, (3, 8)), torch.randint(0, 2, (3, 8))
    valid = torch.tensor([8, 6, 5])
    positions = torch.tensor([[1, 3], [2, 0], [4, 0]])
    weights = torch.tensor([[1.0, 1.0], [1.0, 0.0], [1.0, 0.0]])
    labels = torch.tensor([[5, 7], [9, 0], [11, 0]])
    return tokens, segments, valid, positions, weights, labels, torch.tensor([1, 0, 1])


def test_bert_losses_mask_padding_with_a_per_position_loss_and_follow_the_book_with_a_mean():
    torch.manual_seed(0)
    net = create_model("bert_tiny").eval()
    batch = _bert_batch()
    tokens, segments, valid, positions, weights, labels, nsp_y = batch
    _, mlm, nsp = net(tokens, segments, valid, positions)
    real = weights.bool()
    per_position = nn.CrossEntropyLoss(reduction="none")
    mlm_l, nsp_l, total = text_tasks.bert_pretraining_loss(net, per_position, 30, *batch)
    torch.testing.assert_close(
        mlm_l, F.cross_entropy(mlm[real], labels[real]), rtol=1e-6, atol=1e-6
    )
    torch.testing.assert_close(nsp_l, F.cross_entropy(nsp, nsp_y))
    torch.testing.assert_close(total, mlm_l + nsp_l)
    book_mlm, _, _ = text_tasks.bert_pretraining_loss(net, nn.CrossEntropyLoss(), None, *batch)
    # the book's batch-mean loss counts the padded predictions too
    torch.testing.assert_close(book_mlm, F.cross_entropy(mlm.reshape(-1, 30), labels.reshape(-1)))
    step = text_tasks.BERTPretrainingTask().step(net, per_position, batch)
    torch.testing.assert_close(step.sums["mlm"], mlm_l * 3)
    names = [m.name for m in text_tasks.BERTPretrainingTask.metrics]
    assert step.count == 3 and names == ["loss", "mlm", "nsp"]
    with pytest.raises(ConfigError, match="bert_pretraining task expects batches"):
        text_tasks.BERTPretrainingTask().step(net, per_position, batch[:6])


def test_multi_input_classification_feeds_every_input_and_learns():
    torch.manual_seed(0)
    P, H = torch.randint(0, 30, (64, 5)), torch.randint(0, 30, (64, 5))
    y = (P[:, 0] > H[:, 0]).long()  # learnable from the two sides together
    net = create_model("decomposable_attention_tiny")
    task = text_tasks.MultiInputClassification()
    step = task.step(net.eval(), nn.CrossEntropyLoss(reduction="none"), (P[:4], H[:4], y[:4]))
    logits = net(P[:4], H[:4])
    torch.testing.assert_close(step.loss, F.cross_entropy(logits, y[:4]))
    assert int(step.sums["acc"]) == int((logits.argmax(1) == y[:4]).sum())
    trainer = Trainer(
        net.train(),
        nn.CrossEntropyLoss(reduction="none"),
        torch.optim.Adam(net.parameters(), lr=0.01),
        task=task,
        device="cpu",
    )
    history = trainer.fit(TensorLoader(P, H, y, batch_size=16, shuffle=True), epochs=8)
    assert history[-1]["train_loss"] < history[0]["train_loss"]
    from d2lkit.train.tasks import TASKS

    assert TASKS.get("skip_gram") is text_tasks.SkipGramTask
    assert TASKS.get("bert_pretraining") is text_tasks.BERTPretrainingTask
    assert TASKS.get("multi_input_classification") is text_tasks.MultiInputClassification
