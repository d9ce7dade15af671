"""Object detection with anchor boxes (d2l 13.7): a batch's loss, class error and box error.

A batch is ``(images (B, 3, H, W), labels (B, G, 5))``, each label row
``(class, x1, y1, x2, y2)`` with corners as fractions of the image (class -1
pads images with fewer objects). The model returns ``(anchors (1, A, 4), class
scores (B, A, C + 1), offsets (B, A * 4))``; every anchor is labelled by
:func:`~d2lkit.vision.multibox_target`, and the loss function maps
``(cls_preds, cls_labels, bbox_preds, bbox_labels, bbox_masks)`` to one loss
per image (SSD's, :func:`d2lkit.models.ssd.ssd_loss`).

The figures are the book's ``train_ch13``-free loop's: ``class_err``, the
share of anchors whose class is wrong, and ``bbox_mae``, the mean absolute
offset error over every offset of every anchor (zero where an anchor holds
no object, as the book's mask makes it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from d2lkit.errors import ConfigError
from d2lkit.metric import LOSS, Metric
from d2lkit.train.tasks import Step, Task, register_task
from d2lkit.vision import multibox_target

__all__ = ["BBOX_MAE", "CLASS_ERR", "MultiboxDetection"]

CLASS_ERR = Metric("class_err", "min", fmt=".2e", label="class err")
BBOX_MAE = Metric("bbox_mae", "min", fmt=".2e", label="bbox mae")
LossFn = Callable[..., torch.Tensor]


@register_task("multibox_detection")
class MultiboxDetection(Task):
    """SSD's step: label the anchors, mean per-image loss, class error and offset error.

    ``loss``, ``class_err`` and ``bbox_mae`` are summed per image, so that the
    epoch's figures are exact means whatever the last batch's size (every
    image has the same anchors).
    """

    metrics = (LOSS, CLASS_ERR, BBOX_MAE)
    plot = ("*_class_err", "*_bbox_mae")

    def step(self, model: Callable[..., Any], loss_fn: LossFn, batch: Sequence[Any]) -> Step:
        if not isinstance(batch, (tuple, list)) or len(batch) != 2:
            raise ConfigError(
                "the multibox_detection task expects batches (images, labels (B, G, 5))",
                fix="choose the task that matches the loader (task.name=...)",
            )
        X, Y = batch
        anchors, cls_preds, bbox_preds = model(X)
        bbox_labels, bbox_masks, cls_labels = multibox_target(anchors, Y)
        losses = loss_fn(cls_preds, cls_labels, bbox_preds, bbox_labels, bbox_masks)  # (B,)
        n, num_anchors = cls_labels.shape
        with torch.no_grad():
            wrong = (cls_preds.argmax(dim=-1) != cls_labels).sum().double()
            abs_err = ((bbox_labels - bbox_preds) * bbox_masks).abs().sum().double()
        sums = {
            "loss": losses.detach().sum().double(),
            "class_err": wrong / num_anchors,  # sums / images = wrong / (images * anchors)
            "bbox_mae": abs_err / (num_anchors * 4),
        }
        return Step(losses.mean(), n, sums, (anchors, cls_preds, bbox_preds), batch)
