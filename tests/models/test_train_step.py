"""Every registered model: the cheap ones train one SGD step on CPU, the big ones are listed.

A model added to the registry without an entry here fails
``test_every_registered_model_is_covered``: give it an input below, or list it
in ``SHAPE_ONLY`` with a shape test in its family's file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from d2lkit.models import create_model, list_models
from d2lkit.models.seq2seq import MaskedSoftmaxCELoss
from d2lkit.models.ssd import ssd_loss
from d2lkit.vision import multibox_target

Batch = Callable[[], tuple[Any, ...]]
LossFn = Callable[[nn.Module, tuple[Any, ...]], torch.Tensor]


def images(side: int, channels: int = 1, num_classes: int = 10) -> tuple[Batch, LossFn]:
    def batch() -> tuple[Any, ...]:
        X = torch.randn(4, channels, side, side, dtype=torch.float64)
        return X, torch.randint(0, num_classes, (4,))

    return batch, lambda net, b: F.cross_entropy(net(b[0]), b[1])


def regression() -> tuple[Batch, LossFn]:
    def batch() -> tuple[Any, ...]:
        return torch.randn(8, 2, dtype=torch.float64), torch.randn(8, 1, dtype=torch.float64)

    return batch, lambda net, b: F.mse_loss(net(b[0]), b[1])


def binary(num_inputs: int) -> tuple[Batch, LossFn]:
    def batch() -> tuple[Any, ...]:
        X = torch.randn(8, num_inputs, dtype=torch.float64)
        return X, torch.randint(0, 2, (8, 1)).double()

    return batch, lambda net, b: F.binary_cross_entropy(net(b[0]), b[1])


def language_model(vocab: int = 28, time_major: bool = False) -> tuple[Batch, LossFn]:
    def batch() -> tuple[Any, ...]:
        return torch.randint(0, vocab, (4, 7)), torch.randint(0, vocab, (4, 7))

    def loss(net: nn.Module, b: tuple[Any, ...]) -> torch.Tensor:
        logits, _ = net(b[0])  # (B, T, V), or the book's (T * B, V)
        labels = b[1].T if time_major else b[1]
        return F.cross_entropy(logits.reshape(-1, vocab), labels.reshape(-1))

    return batch, loss


def translation(vocab: int = 12) -> tuple[Batch, LossFn]:
    def batch() -> tuple[Any, ...]:
        src, src_valid = torch.randint(0, vocab, (4, 6)), torch.tensor([6, 4, 3, 1])
        tgt, tgt_valid = torch.randint(0, vocab, (4, 5)), torch.tensor([5, 5, 2, 3])
        return src, src_valid, tgt, tgt_valid

    def loss(net: nn.Module, b: tuple[Any, ...]) -> torch.Tensor:
        src, src_valid, tgt, tgt_valid = b
        dec_X = torch.cat((torch.ones(4, 1, dtype=torch.long), tgt[:, :-1]), dim=1)  # teacher
        logits, _ = net(src, dec_X, src_valid)
        return MaskedSoftmaxCELoss()(logits, tgt, tgt_valid).sum()

    return batch, loss


def segmentation(num_classes: int = 21, side: int = 64) -> tuple[Batch, LossFn]:
    def batch() -> tuple[Any, ...]:
        X = torch.randn(2, 3, side, side, dtype=torch.float64)
        return X, torch.randint(0, num_classes, (2, side, side))

    return batch, lambda net, b: F.cross_entropy(net(b[0]), b[1])


def detection(side: int = 64) -> tuple[Batch, LossFn]:
    def batch() -> tuple[Any, ...]:
        boxes = torch.tensor([[[0.0, 0.1, 0.2, 0.6, 0.7]], [[0.0, 0.5, 0.4, 0.9, 0.8]]])
        return torch.rand(2, 3, side, side, dtype=torch.float64) * 255, boxes.double()

    def loss(net: nn.Module, b: tuple[Any, ...]) -> torch.Tensor:
        anchors, cls_preds, bbox_preds = net(b[0])
        bbox_labels, bbox_masks, cls_labels = multibox_target(anchors, b[1])
        return ssd_loss(cls_preds, cls_labels, bbox_preds, bbox_labels, bbox_masks).mean()

    return batch, loss


VOCABS = {"src_vocab_size": 12, "tgt_vocab_size": 12}


# --- chapters 14-15 -------------------------------------------------------------------


def skip_gram(vocab: int) -> tuple[Batch, LossFn]:
    def batch() -> tuple[Any, ...]:
        mask = torch.tensor([[1, 1, 1, 1, 0]] * 2 + [[1] * 5] * 2)
        label = torch.tensor([[1, 0, 0, 0, 0]] * 4)
        return torch.randint(0, vocab, (4, 1)), torch.randint(0, vocab, (4, 5)), mask, label

    def loss(net: nn.Module, b: tuple[Any, ...]) -> torch.Tensor:
        center, words, mask, label = b
        pred = net(center, words).reshape(label.shape)
        return F.binary_cross_entropy_with_logits(pred, label.double(), weight=mask.double())

    return batch, loss


def bert_pretraining(vocab: int) -> tuple[Batch, LossFn]:
    def batch() -> tuple[Any, ...]:
        tokens, segments = torch.randint(0, vocab, (4, 8)), torch.randint(0, 2, (4, 8))
        positions, labels = torch.randint(1, 8, (4, 2)), torch.randint(0, vocab, (4, 2))
        return (
            tokens,
            segments,
            torch.tensor([8, 6, 5, 3]),
            positions,
            labels,
            torch.tensor([0, 1, 1, 0]),
        )

    def loss(net: nn.Module, b: tuple[Any, ...]) -> torch.Tensor:
        tokens, segments, valid, positions, labels, nsp_y = b
        _, mlm, nsp = net(tokens, segments, valid, positions)
        return F.cross_entropy(mlm.reshape(-1, vocab), labels.reshape(-1)) + F.cross_entropy(
            nsp, nsp_y
        )

    return batch, loss


def token_classes(vocab: int, num_classes: int, *inputs: int) -> tuple[Batch, LossFn]:
    """Batches of token-id inputs of the given lengths (plus segments and valid lengths for
    BERT when ``inputs`` is ``(T, 0, 0)``) and labels; cross-entropy of net(*inputs)."""

    def batch() -> tuple[Any, ...]:
        if inputs[1:] == (0, 0):
            T = inputs[0]
            X = (
                torch.randint(0, vocab, (4, T)),
                torch.zeros(4, T, dtype=torch.long),
                torch.tensor([T, 5, 4, 2]),
            )
        else:
            X = tuple(torch.randint(0, vocab, (4, T)) for T in inputs)
        return (*X, torch.randint(0, num_classes, (4,)))

    return batch, lambda net, b: F.cross_entropy(net(*b[:-1]), b[-1])


# name -> (keyword arguments, (batch, loss)); the full-size CNNs are only shape-checked.
CASES: dict[str, tuple[dict[str, Any], tuple[Batch, LossFn]]] = {
    "linear_regression": ({}, regression()),
    "linear_regression_scratch": ({}, regression()),
    "softmax_regression": ({}, images(28)),
    "softmax_regression_scratch": ({}, images(28)),
    "mlp": ({"dropout": 0.5}, images(28)),
    "mlp_tiny": ({}, images(28)),
    "mlp_scratch": ({}, images(28)),
    "mlp_dropout_scratch": ({}, images(28)),
    "lenet": ({}, images(28)),
    "lenet_bn": ({}, images(28)),
    "lenet_bn_scratch": ({}, images(28)),
    "lenet_relu": ({}, images(28)),
    "logistic_regression": ({}, binary(1)),
    "diabetes_mlp": ({}, binary(8)),
    "alexnet_tiny": ({}, images(96)),
    "vgg11_tiny": ({}, images(32)),
    "nin_tiny": ({}, images(96)),
    "googlenet_tiny": ({}, images(32)),
    "resnet18_tiny": ({}, images(32)),
    "densenet_tiny": ({}, images(32)),
    "fast_cnn_tiny": ({}, images(28)),
    "rnn_lm": (
        {"num_hiddens": 32, "cell": "lstm", "num_layers": 2, "dropout": 0.2},
        language_model(),
    ),
    "rnn_lm_tiny": ({}, language_model()),
    "rnn_lm_scratch": ({"num_hiddens": 16, "cell": "lstm"}, language_model(time_major=True)),
    "seq2seq": (VOCABS, translation()),
    "seq2seq_tiny": ({}, translation()),
    "seq2seq_attention": (VOCABS, translation()),
    "seq2seq_attention_tiny": ({}, translation()),
    "transformer": (VOCABS, translation()),
    "transformer_tiny": ({}, translation()),
    "fcn_tiny": ({}, segmentation()),
    "tiny_ssd_tiny": ({}, detection()),
    "word2vec": ({}, skip_gram(6719)),
    "word2vec_tiny": ({}, skip_gram(20)),
    "bert": ({}, bert_pretraining(20256)),
    "bert_tiny": ({}, bert_pretraining(30)),
    "bert_small": ({"vocab_size": 40}, bert_pretraining(40)),
    "bert_small_classifier": (
        {"vocab_size": 40, "pretrained": False},
        token_classes(40, 3, 9, 0, 0),
    ),
    "bert_classifier_tiny": ({}, token_classes(30, 3, 9, 0, 0)),
    "birnn": ({"vocab_size": 50}, token_classes(50, 2, 9)),
    "birnn_tiny": ({}, token_classes(30, 2, 9)),
    "textcnn": ({"vocab_size": 50}, token_classes(50, 2, 9)),
    "textcnn_tiny": ({}, token_classes(30, 2, 9)),
    "decomposable_attention": ({"vocab_size": 50}, token_classes(50, 3, 6, 8)),
    "decomposable_attention_tiny": ({}, token_classes(30, 3, 6, 8)),
    "resnet34_dog_tiny": ({"num_classes": 5}, images(32, channels=3, num_classes=5)),
}
SHAPE_ONLY = {
    "alexnet",
    "vgg11",
    "nin",
    "googlenet",
    "resnet18",
    "resnet18_small_images",
    "densenet",
    "fast_cnn",
    "fast_cnn_wide",
    "fcn_resnet18",
    "tiny_ssd",
    "resnet18_finetune",  # ImageNet weights: tests/models/test_finetune.py
    "resnet18_finetune_tiny",  # resnet18's layout (batch norm on 4 examples): as resnet18
    "resnet34_dog",
}


def test_every_registered_model_is_covered() -> None:
    assert set(list_models()) == set(CASES) | SHAPE_ONLY


@pytest.mark.parametrize("name", sorted(CASES))
def test_one_sgd_step_lowers_the_loss(name: str) -> None:
    kwargs, (make_batch, loss_fn) = CASES[name]
    torch.manual_seed(0)
    # float64 so that a small step's first-order gain is not lost to rounding.
    net = create_model(name, **kwargs).double().train()
    batch = make_batch()
    before = [p.detach().clone() for p in net.parameters()]
    optimizer = torch.optim.SGD(net.parameters(), lr=0.01)

    torch.manual_seed(1)  # the same dropout masks for both evaluations of the loss
    loss = loss_fn(net, batch)
    loss.backward()
    assert torch.isfinite(loss)
    for param_name, param in net.named_parameters():
        if not param.requires_grad:  # frozen on purpose (13.14's pretrained features)
            continue
        assert param.grad is not None, f"{param_name} is not used"
        assert torch.isfinite(param.grad).all(), param_name
    optimizer.step()

    torch.manual_seed(1)
    with torch.no_grad():
        after = loss_fn(net, batch)
    assert torch.isfinite(after)
    assert after < loss
    assert any(not torch.equal(b, p) for b, p in zip(before, net.parameters(), strict=True))
