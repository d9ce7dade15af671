"""Bounding boxes on images (d2l 13.3-13.4): a box as a matplotlib rectangle, labelled boxes.

Boxes are corner-form ``(x1, y1, x2, y2)`` in the image's pixels (scale
fractional boxes by ``(w, h, w, h)`` first, as the book does). matplotlib is
imported when a rectangle is made.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["bbox_to_rect", "show_bboxes"]

BOX_COLORS = ("b", "g", "r", "m", "c")  # the book's cycle when no colours are given


def _numbers(bbox: Any) -> list[float]:
    """A box as four floats: from a tensor (any device, with grad or not), array or list."""
    detach = getattr(bbox, "detach", None)
    if detach is not None:
        bbox = detach().cpu().reshape(-1).tolist()
    values = [float(v) for v in bbox]
    if len(values) != 4:
        raise ValueError(f"a box has 4 numbers (x1, y1, x2, y2), got {len(values)}")
    return values


def bbox_to_rect(bbox: Any, color: str) -> Any:
    """An unfilled ``matplotlib.patches.Rectangle`` (line width 2) for a corner-form box."""
    from matplotlib.patches import Rectangle

    x1, y1, x2, y2 = _numbers(bbox)
    return Rectangle(
        xy=(x1, y1), width=x2 - x1, height=y2 - y1, fill=False, edgecolor=color, linewidth=2
    )


def _as_list(obj: Any, default: Sequence[str] | None = None) -> list[str] | None:
    if obj is None:
        return None if default is None else list(default)
    if isinstance(obj, (list, tuple)):
        return list(obj)
    return [obj]


def show_bboxes(
    axes: Any,
    bboxes: Iterable[Any],
    labels: str | Sequence[str] | None = None,
    colors: str | Sequence[str] | None = None,
) -> None:
    """Draw boxes on ``axes``, each with its label (if any) on its upper-left corner.

    ``labels`` and ``colors`` may be one string or a list; colours cycle
    (default blue, green, red, magenta, cyan). A label is written in white on
    the box's colour, in black on a white box.
    """
    label_list = _as_list(labels)
    color_list = _as_list(colors, BOX_COLORS)
    assert color_list is not None
    for i, bbox in enumerate(bboxes):
        color = color_list[i % len(color_list)]
        rect = bbox_to_rect(bbox, color)
        axes.add_patch(rect)
        if label_list and i < len(label_list):
            axes.text(
                rect.xy[0], rect.xy[1], label_list[i], va="center", ha="center", fontsize=9,
                color="k" if color == "w" else "w", bbox={"facecolor": color, "lw": 0},
            )  # fmt: skip
