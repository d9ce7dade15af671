"""Classification whose accuracy counts every label: one per example, or one per pixel.

The book's chapter-13 loop (``train_ch13``) trains image classifiers and the
FCN segmenter alike: its accuracy is correct labels over ``labels.numel()``,
its loss a mean over examples (a segmenter's per-example loss is already a
mean over pixels), and it backpropagates the batch *sum* of the losses.
:class:`DenseClassification` is that step: with one label per example it
reports what :class:`~d2lkit.train.tasks.Classification` reports; with
``(B, H, W)`` label maps, pixel accuracy. ``reduction="sum"`` backpropagates
the book's sum (the objective its learning rates were chosen for);
``"mean"`` the scale-free mean. Features may be a list of tensors (BERT's
inputs, as ``train_batch_ch13`` allows); they are moved to the labels' device.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from d2lkit.errors import ConfigError
from d2lkit.metric import ACC, LOSS
from d2lkit.train.tasks import Step, Task, register_task

__all__ = ["REDUCTIONS", "DenseClassification"]

REDUCTIONS = ("mean", "sum")
LossFn = Callable[..., torch.Tensor]


@register_task("dense_classification")
class DenseClassification(Task):
    """``(X, y)`` batches, ``y`` of shape ``(B,)`` or ``(B, ...)``; loss per example, acc per label.

    Args:
        reduction: what is backpropagated: ``"mean"`` of the per-example
            losses, or their ``"sum"`` (the book's ``l.sum().backward()``).
            The reported loss is the mean per example either way.
    """

    metrics = (LOSS, ACC)
    plot = ("train_loss", "*_acc")

    def __init__(self, reduction: str = "mean") -> None:
        if reduction not in REDUCTIONS:
            raise ConfigError(
                f"reduction must be one of {REDUCTIONS}, got {reduction!r}",
                fix="'mean' (scale-free) or 'sum' (the book's chapter-13 objective)",
            )
        self.reduction = reduction

    def step(self, model: Callable[..., Any], loss_fn: LossFn, batch: Sequence[Any]) -> Step:
        if not isinstance(batch, (tuple, list)) or len(batch) != 2:
            raise ConfigError(
                "the dense classification task expects batches (X, y)",
                fix="choose the task that matches the loader (train.task=...)",
            )
        X, y = batch
        if isinstance(X, (list, tuple)):  # several input tensors (BERT)
            X = [x.to(y.device) for x in X]
        outputs = model(X)
        losses = loss_fn(outputs, y)
        n = y.shape[0]
        if losses.dim() == 0:  # already a mean: the book's l.sum() of it is itself
            total, loss = losses * n, losses
        else:
            total = losses.reshape(n, -1).mean(dim=1).sum()
            loss = total if self.reduction == "sum" else total / n
        correct = (outputs.detach().argmax(dim=1) == y).sum()
        labels_per_example = y.numel() // max(n, 1)
        # acc summed so that sums / examples = correct / labels (every example has as many)
        acc = correct.double() / labels_per_example
        return Step(loss, n, {"loss": total.detach().double(), "acc": acc}, outputs, batch)

    def __repr__(self) -> str:
        return f"DenseClassification(reduction={self.reduction!r})"
