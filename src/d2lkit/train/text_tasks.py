"""Tasks of chapters 14-15: skip-gram with negative sampling, BERT pretraining, and
classification of several inputs (sentence pairs, BERT's token/segment/length triples).

==========================  =========================================  ======================
task                        batch                                      figures (per split)
==========================  =========================================  ======================
skip_gram                   (center, contexts_negatives, mask, label)  loss (per center word)
bert_pretraining            the seven tensors of data.wikitext         loss, mlm, nsp
multi_input_classification  (*inputs, y)                               loss, acc
==========================  =========================================  ======================

They follow :mod:`d2lkit.train.tasks` and register themselves in its ``TASKS``
under the names above. Models stay plain ``nn.Module`` s.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from d2lkit.errors import ConfigError
from d2lkit.metric import ACC, LOSS, Metric
from d2lkit.train.tasks import Step, Task, register_task

__all__ = [
    "BERTPretrainingTask",
    "MultiInputClassification",
    "SkipGramTask",
    "bert_pretraining_loss",
]

LossFn = Callable[..., torch.Tensor]
Batch = Sequence[torch.Tensor]


def _check(batch: Batch, size: int | None, task: str, layout: str) -> Sequence[torch.Tensor]:
    ok = isinstance(batch, (tuple, list)) and (
        len(batch) == size if size is not None else len(batch) >= 2
    )
    if not ok:
        got = f"a {type(batch).__name__}" + (
            f" of {len(batch)}" if isinstance(batch, (tuple, list)) else ""
        )
        raise ConfigError(
            f"the {task} task expects batches {layout}, got {got}",
            fix="choose the task that matches the loader (train.task=...)",
        )
    return batch


def _mean(loss: torch.Tensor) -> torch.Tensor:
    return loss.mean() if loss.dim() > 0 else loss


@register_task("skip_gram")
class SkipGramTask(Task):
    """Skip-gram batches ``(center (B, 1), words (B, L), mask (B, L), label (B, L))`` (14.4).

    The model maps ``(center, words)`` to scores ``(B, 1, L)``; the loss is
    :class:`~d2lkit.models.word2vec.SigmoidBCELoss` (``loss(pred, label, mask)``
    -> ``(B,)``), rescaled as the book does to each center word's mean over its
    valid words. The reported loss is the mean per center word (the book's figure).

    Args:
        reduction: what is backpropagated: ``"mean"`` over the batch's center
            words (scale-free), or ``"sum"``, the book's ``l.sum()``.
    """

    metrics = (LOSS,)
    plot = ("train_loss",)

    def __init__(self, reduction: str = "mean") -> None:
        if reduction not in ("mean", "sum"):
            raise ConfigError(
                f"unknown skip-gram loss reduction {reduction!r}", fix="use 'mean' or 'sum'"
            )
        self.reduction = reduction

    def step(self, model: Callable[..., Any], loss_fn: LossFn, batch: Batch) -> Step:
        center, words, mask, label = _check(
            batch, 4, "skip_gram", "(center, contexts_negatives, mask, label)"
        )
        pred = model(center, words).reshape(label.shape)  # (B, L)
        per_row = loss_fn(pred, label.to(pred.dtype), mask)  # (B,): valid sum / L
        per_row = per_row / mask.sum(dim=1).clamp(min=1) * mask.shape[1]  # mean over valid
        loss = per_row.sum() if self.reduction == "sum" else per_row.mean()
        n = center.shape[0]
        return Step(loss, n, {"loss": per_row.detach().float().sum()}, pred, batch)

    def __repr__(self) -> str:
        return f"SkipGramTask(reduction={self.reduction!r})"


def bert_pretraining_loss(
    net: Callable[..., Any],
    loss: LossFn,
    vocab_size: int | None,
    tokens: torch.Tensor,
    segments: torch.Tensor,
    valid_lens: torch.Tensor,
    pred_positions: torch.Tensor,
    mlm_weights: torch.Tensor,
    mlm_labels: torch.Tensor,
    nsp_labels: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(masked-LM loss, next-sentence loss, their sum) of one batch; the book's
    ``_get_batch_loss_bert`` (14.10).

    The masked-LM loss is ``sum(loss * weight) / (sum(weight) + 1e-8)`` over the
    predicted positions. With a per-position loss (``reduction='none'``) that is
    the mean over the real predictions, padding left out; with the book's
    ``nn.CrossEntropyLoss()`` (a batch mean, padding included) it is that mean,
    as the book computes it. ``vocab_size`` (or None: read from the logits)
    shapes the logits.
    """
    _, mlm_hat, nsp_hat = net(tokens, segments, valid_lens.reshape(-1), pred_positions)
    V = mlm_hat.shape[-1] if vocab_size is None else vocab_size
    weights = mlm_weights.reshape(-1).to(mlm_hat.dtype)
    mlm_l = loss(mlm_hat.reshape(-1, V), mlm_labels.reshape(-1))
    mlm_l = (mlm_l * weights).sum() / (weights.sum() + 1e-8)
    nsp_l = _mean(loss(nsp_hat, nsp_labels))
    return mlm_l, nsp_l, mlm_l + nsp_l


@register_task("bert_pretraining")
class BERTPretrainingTask(Task):
    """BERT pretraining batches: the seven tensors of :mod:`d2lkit.data.wikitext` (14.10).

    The model is a :class:`~d2lkit.models.bert.BERTModel`; the loss a
    cross-entropy, best with ``reduction='none'`` (see :func:`bert_pretraining_loss`).
    What is backpropagated is ``mlm + nsp``; the figures are their means per
    sentence pair (the book averages per step).
    """

    metrics = (
        LOSS,
        Metric("mlm", "min", label="mlm loss"),  # masked language model
        Metric("nsp", "min", label="nsp loss"),  # next sentence prediction
    )
    plot = ("train_mlm", "train_nsp")

    def step(self, model: Callable[..., Any], loss_fn: LossFn, batch: Batch) -> Step:
        tensors = _check(
            batch,
            7,
            "bert_pretraining",
            "(tokens, segments, valid_lens, pred_positions, mlm_weights, mlm_labels, nsp_labels)",
        )
        mlm_l, nsp_l, loss = bert_pretraining_loss(model, loss_fn, None, *tensors)
        n = tensors[0].shape[0]
        sums = {
            "loss": loss.detach().float() * n,
            "mlm": mlm_l.detach().float() * n,
            "nsp": nsp_l.detach().float() * n,
        }
        return Step(loss, n, sums, None, batch)


@register_task("multi_input_classification")
class MultiInputClassification(Task):
    """``(*inputs, y)`` batches: the model takes every input (``net(P, H)`` for SNLI,
    ``net(tokens, segments, valid_lens)`` for BERT); mean loss and argmax accuracy."""

    metrics = (LOSS, ACC)
    plot = ("train_loss", "*_acc")

    def step(self, model: Callable[..., Any], loss_fn: LossFn, batch: Batch) -> Step:
        *inputs, y = _check(batch, None, "multi_input_classification", "(*inputs, y)")
        outputs = model(*inputs)
        loss = _mean(loss_fn(outputs, y))
        n = y.shape[0]
        correct = (outputs.detach().argmax(dim=1) == y).sum()
        return Step(loss, n, {"loss": loss.detach().float() * n, "acc": correct}, outputs, batch)
