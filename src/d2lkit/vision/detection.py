"""Non-maximum suppression and turning anchor predictions into detections (d2l 13.4).

:func:`nms` is greedy NMS as the book and ``torchvision.ops.nms`` define it:
keep the highest-scoring box, drop every other whose IoU with it exceeds the
threshold, repeat. Each round is one vectorised IoU of the kept box against
all boxes still standing, so the loop runs once per *kept* box. Equal scores
keep their input order (a stable sort), so results do not depend on the
sorting algorithm.
"""

from __future__ import annotations

import torch

from d2lkit.vision.anchors import offset_inverse
from d2lkit.vision.boxes import box_iou

__all__ = ["multibox_detection", "nms"]


def nms(boxes: torch.Tensor, scores: torch.Tensor, iou_threshold: float) -> torch.Tensor:
    """Indices of the boxes NMS keeps, by descending score: ``(K,)`` int64.

    Args:
        boxes: ``(N, 4)`` corner-form boxes.
        scores: ``(N,)``.
        iou_threshold: a box overlapping a kept one by more than this is dropped.
    """
    if boxes.dim() != 2 or boxes.shape[-1] != 4 or scores.shape != boxes.shape[:1]:
        raise ValueError(
            f"nms takes boxes (N, 4) and scores (N,), got {tuple(boxes.shape)} and "
            f"{tuple(scores.shape)}"
        )
    order = torch.argsort(scores, descending=True, stable=True)
    keep = []
    while order.numel() > 0:
        best, rest = order[0], order[1:]
        keep.append(best)
        if rest.numel() == 0:
            break
        iou = box_iou(boxes[best].unsqueeze(0), boxes[rest])[0]  # (len(rest),)
        order = rest[iou <= iou_threshold]
    if not keep:
        return torch.zeros(0, dtype=torch.long, device=boxes.device)
    return torch.stack(keep)


def multibox_detection(
    cls_probs: torch.Tensor,
    offset_preds: torch.Tensor,
    anchors: torch.Tensor,
    nms_threshold: float = 0.5,
    pos_threshold: float = 0.009999999,
) -> torch.Tensor:
    """Detections for every anchor: ``(B, A, 6)`` rows ``(class, confidence, x1, y1, x2, y2)``.

    Args:
        cls_probs: ``(B, C + 1, A)`` class probabilities, background first.
        offset_preds: ``(B, A * 4)`` predicted offsets (see :func:`offset_inverse`).
        anchors: ``(1, A, 4)`` or ``(A, 4)``.
        nms_threshold: the IoU above which NMS drops the less confident box.
        pos_threshold: a kept prediction less confident than this counts as background.

    Each anchor's prediction is its most probable non-background class. Rows
    NMS keeps come first, by descending confidence, with class ``0 .. C - 1``;
    the rest follow in anchor order with class -1 (background). A kept row
    below ``pos_threshold`` gets class -1 and confidence ``1 - confidence``,
    as in the book.
    """
    anchors = anchors.reshape(-1, 4)
    batch, num_anchors = cls_probs.shape[0], cls_probs.shape[2]
    if anchors.shape[0] != num_anchors or offset_preds.shape != (batch, num_anchors * 4):
        raise ValueError(
            f"multibox_detection: {num_anchors} anchors in cls_probs {tuple(cls_probs.shape)}, "
            f"but anchors {tuple(anchors.shape)} and offset_preds {tuple(offset_preds.shape)}"
        )
    conf, class_id = torch.max(cls_probs[:, 1:], dim=1)  # (B, A) each
    predicted = offset_inverse(anchors.unsqueeze(0), offset_preds.reshape(batch, -1, 4))
    out = []
    for i in range(batch):  # NMS is greedy: one image at a time
        keep = nms(predicted[i], conf[i], nms_threshold)
        kept = torch.zeros(num_anchors, dtype=torch.bool, device=conf.device)
        kept[keep] = True
        order = torch.cat((keep, torch.nonzero(~kept).reshape(-1)))
        labels = torch.where(kept, class_id[i], -1)[order]
        scores = conf[i][order]
        low = scores < pos_threshold
        labels = torch.where(low, -1, labels)
        scores = torch.where(low, 1 - scores, scores)
        rows = torch.cat((labels.unsqueeze(1).to(scores.dtype), scores.unsqueeze(1)), dim=1)
        out.append(torch.cat((rows, predicted[i][order]), dim=1))
    return torch.stack(out)
