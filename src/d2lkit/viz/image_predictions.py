"""Images with what a model saw in them (chapter 13): labels, detected boxes, segmentation masks.

Each function returns a ``matplotlib.figure.Figure`` (no pyplot, no global
state); recipes write them as PNGs into their run folder. Images are
``(3, H, W)`` uint8 tensors (or anything ``torch.as_tensor`` takes).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from d2lkit.viz.boxes import show_bboxes

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["show_detections", "show_labelled_images", "show_segmentations"]


def _hwc(image: Any) -> Any:
    """A ``(3, H, W)`` image as the ``(H, W, 3)`` uint8 array matplotlib shows."""
    import torch

    x = torch.as_tensor(image).detach().cpu()
    return x.permute(1, 2, 0).numpy() if x.dim() == 3 else x.numpy()


def _grid(count: int, cols: int, scale: float) -> tuple[Figure, list[Any]]:
    from matplotlib.figure import Figure

    cols = max(1, min(cols, count))
    rows = max(1, -(-count // cols))
    fig = Figure(figsize=(cols * scale, rows * scale * 1.1), layout="constrained")
    axes = list(fig.subplots(rows, cols, squeeze=False).flat)
    for ax in axes:
        ax.axis("off")
    return fig, axes


def show_labelled_images(
    images: Sequence[Any],
    titles: Sequence[str],
    correct: Sequence[bool | None] | None = None,
    *,
    cols: int = 8,
    scale: float = 1.6,
    title: str | None = None,
) -> Figure:
    """A grid of images, each titled (green when ``correct[i]``, red when not, else black)."""
    verdicts = list(correct) if correct is not None else [None] * len(images)
    if not len(images) == len(titles) == len(verdicts):
        raise ValueError(f"{len(images)} images, {len(titles)} titles, {len(verdicts)} verdicts")
    fig, axes = _grid(len(images), cols, scale)
    colors = {True: "tab:green", False: "tab:red", None: "black"}
    for ax, image, text, verdict in zip(axes, images, titles, verdicts, strict=False):
        ax.imshow(_hwc(image))
        ax.set_title(text, fontsize=8, color=colors[verdict])
    if title:
        fig.suptitle(title)
    return fig


def show_detections(
    images: Sequence[Any],
    detections: Sequence[Sequence[tuple[float, Sequence[float]]]],
    truths: Sequence[Sequence[Sequence[float]]] | None = None,
    *,
    color: str = "w",
    truth_color: str = "c",
    cols: int = 4,
    scale: float = 3.0,
    title: str | None = None,
) -> Figure:
    """Each image with its boxes ``(score, (x1, y1, x2, y2) in pixels)`` labelled by score.

    The book's 13.7 ``display``: white boxes, the confidence written on each;
    ``truths`` (boxes in pixels per image), if given, are drawn first, labelled "true".
    """
    if len(images) != len(detections) or (truths is not None and len(truths) != len(images)):
        raise ValueError(f"{len(images)} images: give as many lists of detections (and truths)")
    fig, axes = _grid(len(images), cols, scale)
    for i, (ax, image, found) in enumerate(zip(axes, images, detections, strict=False)):
        ax.imshow(_hwc(image))
        if truths is not None:
            show_bboxes(ax, truths[i], ["true"] * len(truths[i]), truth_color)
        show_bboxes(ax, [box for _, box in found], [f"{s:.2f}" for s, _ in found], color)
    if title:
        fig.suptitle(title)
    return fig


def show_segmentations(
    images: Sequence[Any],
    predictions: Sequence[Any],
    truths: Sequence[Any],
    *,
    scale: float = 2.4,
    title: str | None = None,
) -> Figure:
    """Three rows, as the book's 13.11: the images, the predicted masks, the true masks.

    Masks are ``(3, H, W)`` colour images (class colours, e.g. VOC's colormap).
    """
    if not len(images) == len(predictions) == len(truths):
        raise ValueError("give as many predictions and true masks as images")
    n = max(len(images), 1)
    fig, axes = _grid(3 * n, n, scale)
    for row, (name, shown) in enumerate(
        (("image", images), ("predicted", predictions), ("true", truths))
    ):
        for col, image in enumerate(shown):
            ax = axes[row * n + col]
            ax.imshow(_hwc(image))
            if col == 0:
                ax.set_title(name, fontsize=9, loc="left")
    if title:
        fig.suptitle(title)
    return fig
