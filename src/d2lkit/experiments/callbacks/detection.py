"""What a trained detector finds (13.7): boxes drawn on images, as detections.png.

At the end of training :class:`Detections` runs the model on a few images,
turns its anchors' scores and offsets into detections
(:func:`~d2lkit.vision.multibox_detection`: NMS, then the book's threshold of
0.9 for what is drawn), draws them with their confidence, the true boxes in
a second colour, and reports ``detections`` in summary.json (per image: the
score and box in pixels of everything drawn).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from d2lkit.train.callbacks import Callback
from d2lkit.train.trainer import Trainer
from d2lkit.vision import multibox_detection
from d2lkit.viz import save_figure
from d2lkit.viz.image_predictions import show_detections

__all__ = ["Detections", "detect"]

Found = list[tuple[float, list[float]]]  # (confidence, (x1, y1, x2, y2) in pixels)


@torch.no_grad()
def detect(model: nn.Module, images: torch.Tensor, threshold: float = 0.9) -> list[Found]:
    """Each image's detections at or above ``threshold``, boxes in pixels, best first.

    The book's 13.7 ``predict`` and ``display``: softmax over the classes, then
    :func:`~d2lkit.vision.multibox_detection`; background rows (class -1) are left out.
    """
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        anchors, cls_preds, bbox_preds = model(images.to(device).float())
    finally:
        model.train(was_training)
    cls_probs = F.softmax(cls_preds.float(), dim=2).permute(0, 2, 1)
    output = multibox_detection(cls_probs, bbox_preds.float(), anchors)
    h, w = images.shape[-2:]
    scale = torch.tensor([w, h, w, h], dtype=torch.float32)
    found = []
    for rows in output.cpu():
        keep = (rows[:, 0] >= 0) & (rows[:, 1] >= threshold)
        found.append([(float(r[1]), (r[2:] * scale).tolist()) for r in rows[keep]])
    return found


class Detections(Callback):
    """After training: detections.png with what the model finds in ``images`` (see module)."""

    main_only = True

    def __init__(
        self, images: torch.Tensor, labels: torch.Tensor | None = None, threshold: float = 0.9
    ) -> None:
        self.images, self.labels, self.threshold = images, labels, threshold
        self.found: list[Found] = []

    def on_fit_end(self, trainer: Trainer) -> None:
        if self.images.shape[0] == 0:
            return
        self.found = detect(trainer.model, self.images, self.threshold)
        counts = ", ".join(str(len(f)) for f in self.found)
        trainer.echo(f"detections at confidence >= {self.threshold}: {counts} (per image)")
        if trainer.run_dir is None:
            return
        truths = None
        if self.labels is not None:  # fractions of the image -> pixels; class -1 is padding
            h, w = self.images.shape[-2:]
            scale = torch.tensor([w, h, w, h], dtype=torch.float32)
            truths = [[(r[1:] * scale).tolist() for r in rows if r[0] >= 0] for rows in self.labels]
        fig = show_detections(
            list(self.images), self.found, truths,
            title=f"detections (confidence >= {self.threshold}) and true boxes",
        )  # fmt: skip
        save_figure(fig, trainer.run_dir / "detections.png")

    def summary(self) -> dict[str, Any]:
        return {
            "detections": [
                [{"score": round(s, 4), "box": [round(v, 1) for v in box]} for s, box in found]
                for found in self.found
            ]
        }
