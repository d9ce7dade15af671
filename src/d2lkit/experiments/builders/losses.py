"""Losses by name, and which fit a task's batches (checked when a run is built)."""

from __future__ import annotations

import importlib
from collections.abc import Callable

import torch
from torch import nn

from d2lkit import scratch
from d2lkit.errors import ConfigError
from d2lkit.registry import Registry

__all__ = ["LOSSES", "LOSSES_FOR_TASK", "build_loss"]

LossFn = Callable[..., torch.Tensor]


def _model_loss(family: str, name: str) -> LossFn:
    """A loss that lives beside its model (``d2lkit.models.<family>``), imported when built."""
    make: Callable[[], LossFn] = getattr(importlib.import_module(f"d2lkit.models.{family}"), name)
    return make()


LOSSES: Registry[Callable[[], LossFn]] = Registry("loss")
LOSSES.add("cross_entropy", nn.CrossEntropyLoss)
# Label smoothing 0.1: the targets put 0.9 on the label, the rest spread evenly (fast recipes).
LOSSES.add("cross_entropy_smooth", lambda: nn.CrossEntropyLoss(label_smoothing=0.1))
LOSSES.add("cross_entropy_scratch", lambda: scratch.cross_entropy)
# One loss per token: the seq2seq task masks the padding, then averages.
LOSSES.add("masked_cross_entropy", lambda: nn.CrossEntropyLoss(reduction="none"))
LOSSES.add("mse", nn.MSELoss)
LOSSES.add("squared_loss_scratch", lambda: scratch.squared_loss)
LOSSES.add("bce_with_logits", nn.BCEWithLogitsLoss)
LOSSES.add("bce", nn.BCELoss)
# The course's BCELoss(size_average=False): summed over the batch, as it teaches.
LOSSES.add("bce_sum", lambda: nn.BCELoss(reduction="sum"))
# One loss per example (a segmenter's: one per pixel), as the book's chapters 13-15 write
# nn.CrossEntropyLoss(reduction="none"); the dense task averages per example, then sums.
LOSSES.add("cross_entropy_none", lambda: nn.CrossEntropyLoss(reduction="none"))
# word2vec's binary cross-entropy of center-context scores, padding masked out (14.4).
LOSSES.add("sigmoid_bce", lambda: _model_loss("word2vec", "SigmoidBCELoss"))
# SSD's per-image class cross-entropy + masked L1 offsets (13.7).
LOSSES.add("ssd", lambda: _model_loss("ssd", "SSDLoss"))


# Which losses fit a task's batches: a mismatch fails at the first step with a shape
# error deep in torch, so it is caught when the run is built.
LOSSES_FOR_TASK: dict[str, tuple[str, ...]] = {
    "classification": ("cross_entropy", "cross_entropy_scratch", "cross_entropy_smooth"),
    "regression": ("mse", "squared_loss_scratch", "bce", "bce_sum", "bce_with_logits"),
    "penalised_regression": ("mse", "squared_loss_scratch"),
    "language_model": ("cross_entropy", "cross_entropy_scratch"),
    "seq2seq": ("masked_cross_entropy",),
    "dense_classification": ("cross_entropy_none", "cross_entropy"),
    "multi_input_classification": ("cross_entropy_none", "cross_entropy"),
    "skip_gram": ("sigmoid_bce",),
    "bert_pretraining": ("cross_entropy", "cross_entropy_none"),
    "multibox_detection": ("ssd",),
}


def build_loss(name: str, task: str | None = None) -> LossFn:
    """The loss called ``name``; with ``task``, refuse one that cannot fit its batches."""
    make = LOSSES.get(name)
    fitting = LOSSES_FOR_TASK.get(task or "")
    if fitting is not None and name not in fitting:
        raise ConfigError(
            f"the loss {name!r} does not fit the {task} task",
            fix=f"use train.loss={' or '.join(fitting)}, or another train.task",
        )
    return make()
