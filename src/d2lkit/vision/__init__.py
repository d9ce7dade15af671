"""Object detection geometry (d2l 13.3-13.4): boxes, IoU, anchors, offsets, NMS.

Imports torch only (like :mod:`d2lkit.scratch`), so models, data readers, the
book facade and drawing code can all build on it. Each function is checked
against ``torchvision.ops`` where it has a counterpart, and against the
book's printed figures.
"""

from d2lkit.vision.anchors import (
    CENTER_SCALE,
    SIZE_SCALE,
    assign_anchor_to_bbox,
    multibox_prior,
    multibox_target,
    offset_boxes,
    offset_inverse,
)
from d2lkit.vision.boxes import box_area, box_center_to_corner, box_corner_to_center, box_iou
from d2lkit.vision.detection import multibox_detection, nms

__all__ = [
    "CENTER_SCALE",
    "SIZE_SCALE",
    "assign_anchor_to_bbox",
    "box_area",
    "box_center_to_corner",
    "box_corner_to_center",
    "box_iou",
    "multibox_detection",
    "multibox_prior",
    "multibox_target",
    "nms",
    "offset_boxes",
    "offset_inverse",
]
