"""Anchor boxes (d2l 13.4): generating them, labelling them for training, offsets.

Coordinates are fractions of the image's width and height (0 to 1), so one set
of anchors serves any image of the same aspect. An anchor is labelled with
the ground-truth box it overlaps most (at least ``iou_threshold``), and each
ground-truth box gets its best anchor whatever the threshold (greedy, the
highest IoU first). Its regression target is the book's offset: the centre's
shift in units of the anchor's size over 0.1, and the log of the size ratio
over 0.2 (:data:`CENTER_SCALE`, :data:`SIZE_SCALE`). Class 0 is the
background: ground-truth class ``c`` becomes anchor class ``c + 1``.

Everything is vectorised over the batch and the anchors; only the greedy
matching steps once per ground-truth box, as it must (each choice removes a
row and a column for the next).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from d2lkit.vision.boxes import box_center_to_corner, box_corner_to_center, box_iou

__all__ = [
    "CENTER_SCALE",
    "SIZE_SCALE",
    "assign_anchor_to_bbox",
    "multibox_prior",
    "multibox_target",
    "offset_boxes",
    "offset_inverse",
]

CENTER_SCALE = 0.1  # the book's sigma_x = sigma_y: centre offsets are divided by it
SIZE_SCALE = 0.2  # the book's sigma_w = sigma_h: log size ratios are divided by it


def multibox_prior(
    data: torch.Tensor, sizes: Sequence[float], ratios: Sequence[float]
) -> torch.Tensor:
    """Anchors centred on every pixel of a feature map: ``(1, H * W * (n + m - 1), 4)``.

    With ``n`` sizes and ``m`` ratios, each pixel gets the ``n + m - 1``
    anchors of (every size, the first ratio) and (the first size, every other
    ratio), in that order. An anchor of size ``s`` and ratio ``r`` spans
    ``s * sqrt(r) * H / W`` of the width and ``s / sqrt(r)`` of the height, so
    at ratio 1 it is square in pixels. Rows run over the pixels row by row,
    then over each pixel's anchors.

    Args:
        data: any tensor whose last two dimensions are the map's ``(H, W)``.
        sizes: fractions of the image, in (0, 1].
        ratios: width-to-height ratios, positive.
    """
    if not sizes or not ratios:
        raise ValueError("multibox_prior needs at least one size and one ratio")
    in_height, in_width = data.shape[-2:]
    device = data.device
    dtype = data.dtype if data.is_floating_point() else torch.float32  # the book's: float32
    size = torch.tensor(list(sizes), dtype=dtype, device=device)
    ratio = torch.tensor(list(ratios), dtype=dtype, device=device)
    first_ratio = torch.sqrt(ratio[0])
    other_ratios = torch.sqrt(ratio[1:])
    widths = torch.cat((size * first_ratio, size[0] * other_ratios)) * in_height / in_width
    heights = torch.cat((size / first_ratio, size[0] / other_ratios))
    half = torch.stack((-widths, -heights, widths, heights), dim=1) / 2  # (a, 4)

    # pixel centres, as fractions: (i + 0.5) / H down, (j + 0.5) / W across
    center_y = (torch.arange(in_height, device=device, dtype=dtype) + 0.5) * (1.0 / in_height)
    center_x = (torch.arange(in_width, device=device, dtype=dtype) + 0.5) * (1.0 / in_width)
    shift_y, shift_x = torch.meshgrid(center_y, center_x, indexing="ij")  # (H, W)
    centers = torch.stack((shift_x, shift_y, shift_x, shift_y), dim=-1).reshape(-1, 1, 4)
    return (centers + half.unsqueeze(0)).reshape(1, -1, 4)  # (1, H * W * a, 4)


def _assign(
    ground_truth: torch.Tensor, anchors: torch.Tensor, iou_threshold: float
) -> torch.Tensor:
    """Batched matching: ground truth ``(B, G, 4)``, anchors ``(A, 4)`` -> ``(B, A)`` indices."""
    batch, num_gt = ground_truth.shape[0], ground_truth.shape[1]
    num_anchors = anchors.shape[0]
    jaccard = box_iou(anchors.unsqueeze(0), ground_truth)  # (B, A, G)
    assigned = torch.full((batch, num_anchors), -1, dtype=torch.long, device=anchors.device)
    if num_gt == 0 or num_anchors == 0:
        return assigned
    max_ious, indices = torch.max(jaccard, dim=2)  # (B, A)
    assigned = torch.where(max_ious >= iou_threshold, indices, assigned)
    rows = torch.arange(batch, device=anchors.device)
    work = jaccard.clone()
    for _ in range(min(num_gt, num_anchors)):
        flat = work.reshape(batch, -1).argmax(dim=1)  # the best remaining pair, per image
        anchor, box = flat // num_gt, flat % num_gt
        assigned[rows, anchor] = box
        work[rows, :, box] = -1.0  # this box and this anchor are taken
        work[rows, anchor, :] = -1.0
    return assigned


def assign_anchor_to_bbox(
    ground_truth: torch.Tensor, anchors: torch.Tensor, iou_threshold: float = 0.5
) -> torch.Tensor:
    """The ground-truth box each anchor is labelled with, or -1: ``(A,)`` int64.

    Args:
        ground_truth: ``(G, 4)`` corner-form boxes.
        anchors: ``(A, 4)`` corner-form anchors.
        iou_threshold: an anchor whose best IoU reaches this takes that box.

    Each ground-truth box first gets the anchor it overlaps most, greedily
    (the highest IoU in the whole table first, then that row and column are
    removed), as the book's loop does.
    """
    return _assign(ground_truth.unsqueeze(0), anchors, iou_threshold)[0]


def offset_boxes(
    anchors: torch.Tensor, assigned_bb: torch.Tensor, eps: float = 1e-6
) -> torch.Tensor:
    """The regression targets that move ``anchors`` onto ``assigned_bb`` (both ``(..., 4)``).

    ``((x_b - x_a) / w_a / 0.1, (y_b - y_a) / h_a / 0.1, log(eps + w_b / w_a) / 0.2,
    log(eps + h_b / h_a) / 0.2)`` of the centre forms.
    """
    c_anc = box_corner_to_center(anchors)
    c_bb = box_corner_to_center(assigned_bb)
    offset_xy = (1.0 / CENTER_SCALE) * (c_bb[..., :2] - c_anc[..., :2]) / c_anc[..., 2:]
    offset_wh = (1.0 / SIZE_SCALE) * torch.log(eps + c_bb[..., 2:] / c_anc[..., 2:])
    return torch.cat((offset_xy, offset_wh), dim=-1)


def offset_inverse(anchors: torch.Tensor, offset_preds: torch.Tensor) -> torch.Tensor:
    """Boxes (corner form) from anchors and predicted offsets: undoes :func:`offset_boxes`."""
    anc = box_corner_to_center(anchors)
    xy = offset_preds[..., :2] * anc[..., 2:] * CENTER_SCALE + anc[..., :2]
    wh = torch.exp(offset_preds[..., 2:] * SIZE_SCALE) * anc[..., 2:]
    return box_center_to_corner(torch.cat((xy, wh), dim=-1))


def multibox_target(
    anchors: torch.Tensor, labels: torch.Tensor, iou_threshold: float = 0.5
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Training targets of every anchor, for a batch of labelled images.

    Args:
        anchors: ``(1, A, 4)`` or ``(A, 4)``, shared by the batch.
        labels: ``(B, G, 5)``: per box ``(class, x1, y1, x2, y2)``, class from 0.
        iou_threshold: as in :func:`assign_anchor_to_bbox`.

    Returns:
        ``(bbox_offset, bbox_mask, class_labels)``: offsets ``(B, A * 4)``
        (zero for background anchors), a mask ``(B, A * 4)`` of 1 for anchors
        with a box and 0 for background, and classes ``(B, A)`` int64 with 0
        for background and ``c + 1`` for class ``c``.
    """
    anchors = anchors.reshape(-1, 4)
    if labels.dim() != 3 or labels.shape[-1] != 5:
        raise ValueError(f"labels must have shape (B, G, 5), got {tuple(labels.shape)}")
    batch, num_anchors = labels.shape[0], anchors.shape[0]
    assigned = _assign(labels[..., 1:], anchors, iou_threshold)  # (B, A)
    has_box = assigned >= 0
    index = assigned.clamp(min=0).unsqueeze(-1)  # (B, A, 1): any valid row where there is none
    matched = torch.gather(labels, 1, index.expand(batch, num_anchors, 5))  # (B, A, 5)
    class_labels = torch.where(has_box, matched[..., 0].long() + 1, 0)
    mask = has_box.unsqueeze(-1).to(anchors.dtype).expand(batch, num_anchors, 4)
    assigned_bb = matched[..., 1:] * mask  # background anchors: the book's zero box
    offset = offset_boxes(anchors.unsqueeze(0), assigned_bb) * mask
    return offset.reshape(batch, -1), mask.reshape(batch, -1), class_labels
