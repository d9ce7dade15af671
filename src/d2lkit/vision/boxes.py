"""Bounding-box geometry (d2l 13.3, 13.4): two box formats, areas and IoU.

A box is four numbers in the last dimension: corners ``(x1, y1, x2, y2)``
(upper-left, lower-right; y grows downwards as in an image) or centre form
``(cx, cy, w, h)``. The book's functions take ``(N, 4)``; these take any
leading shape ``(..., 4)``, so a batch of box lists converts in one call.

Torch counterparts: ``torchvision.ops.box_convert`` (``"xyxy"`` <->
``"cxcywh"``), ``torchvision.ops.box_area`` and ``torchvision.ops.box_iou``;
tests/vision/test_boxes.py checks these equal them on random boxes.
"""

from __future__ import annotations

import torch

__all__ = ["box_area", "box_center_to_corner", "box_corner_to_center", "box_iou"]


def _check_boxes(boxes: torch.Tensor, name: str) -> None:
    if boxes.dim() == 0 or boxes.shape[-1] != 4:
        raise ValueError(f"{name} must have shape (..., 4), got {tuple(boxes.shape)}")


def box_corner_to_center(boxes: torch.Tensor) -> torch.Tensor:
    """Corners ``(x1, y1, x2, y2)`` -> centre, width and height ``(cx, cy, w, h)``."""
    _check_boxes(boxes, "boxes")
    upper_left, lower_right = boxes[..., :2], boxes[..., 2:]
    return torch.cat(((upper_left + lower_right) / 2, lower_right - upper_left), dim=-1)


def box_center_to_corner(boxes: torch.Tensor) -> torch.Tensor:
    """Centre, width and height ``(cx, cy, w, h)`` -> corners ``(x1, y1, x2, y2)``."""
    _check_boxes(boxes, "boxes")
    center, half = boxes[..., :2], 0.5 * boxes[..., 2:]
    return torch.cat((center - half, center + half), dim=-1)


def box_area(boxes: torch.Tensor) -> torch.Tensor:
    """Areas of corner-form boxes: ``(..., 4)`` -> ``(...)``."""
    _check_boxes(boxes, "boxes")
    return (boxes[..., 2] - boxes[..., 0]) * (boxes[..., 3] - boxes[..., 1])


def box_iou(boxes1: torch.Tensor, boxes2: torch.Tensor) -> torch.Tensor:
    """Pairwise intersection over union of corner-form boxes.

    Args:
        boxes1: ``(..., N, 4)``.
        boxes2: ``(..., M, 4)``, with leading dimensions that broadcast with ``boxes1``'s.

    Returns:
        ``(..., N, M)``: entry ``[i, j]`` is the IoU (Jaccard index) of
        ``boxes1[i]`` and ``boxes2[j]``; 0 where they do not overlap.
    """
    _check_boxes(boxes1, "boxes1")
    _check_boxes(boxes2, "boxes2")
    if boxes1.dim() < 2 or boxes2.dim() < 2:
        raise ValueError(
            f"box_iou takes lists of boxes (..., N, 4), got {tuple(boxes1.shape)} "
            f"and {tuple(boxes2.shape)}"
        )
    a = boxes1.unsqueeze(-2)  # (..., N, 1, 4)
    b = boxes2.unsqueeze(-3)  # (..., 1, M, 4)
    upper_left = torch.maximum(a[..., :2], b[..., :2])  # (..., N, M, 2)
    lower_right = torch.minimum(a[..., 2:], b[..., 2:])
    inter = (lower_right - upper_left).clamp(min=0).prod(dim=-1)  # (..., N, M)
    union = box_area(boxes1).unsqueeze(-1) + box_area(boxes2).unsqueeze(-2) - inter
    return inter / union
