"""What a trained segmenter sees (13.11): predicted masks beside the true ones, segmentation.png.

At the end of training :class:`SegmentationMasks` predicts every pixel's
class in the top-left ``crop_size`` window of a few test images (the book's
``predict`` and ``label2image``), colours the classes with VOC's colormap and
draws three rows: the images, the predicted masks, the true masks. The pixel
accuracy of those windows goes into summary.json (``shown_pixel_acc``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

from d2lkit.data.segmentation import VOC_COLORMAP
from d2lkit.train.callbacks import Callback
from d2lkit.train.trainer import Trainer
from d2lkit.viz import save_figure
from d2lkit.viz.image_predictions import show_segmentations

__all__ = ["SegmentationMasks", "label2image", "predict_mask"]


def label2image(
    mask: torch.Tensor, colormap: Sequence[Sequence[int]] = VOC_COLORMAP
) -> torch.Tensor:
    """Class indices ``(H, W)`` as colours ``(3, H, W)`` uint8: the book's ``label2image``."""
    colors = torch.tensor(colormap, dtype=torch.uint8, device=mask.device)
    return colors[mask.long()].permute(2, 0, 1)


@torch.no_grad()
def predict_mask(
    net: nn.Module, image: torch.Tensor, normalize: Callable[[torch.Tensor], torch.Tensor]
) -> torch.Tensor:
    """Each pixel's most probable class ``(H, W)`` for a uint8 image ``(3, H, W)``."""
    device = next(net.parameters()).device
    was_training = net.training
    net.eval()
    try:
        scores = net(normalize(image).unsqueeze(0).to(device))
    finally:
        net.train(was_training)
    return scores.argmax(dim=1)[0].cpu()


class SegmentationMasks(Callback):
    """After training: segmentation.png for the top-left windows of ``images`` (see module)."""

    main_only = True

    def __init__(
        self,
        images: Sequence[torch.Tensor],
        masks: Sequence[torch.Tensor],
        crop_size: tuple[int, int],
        normalize: Callable[[torch.Tensor], torch.Tensor],
    ) -> None:
        h, w = crop_size
        self.images = [img[:, :h, :w] for img in images]
        self.masks = [m[:h, :w] for m in masks]
        self.normalize = normalize
        self.pixel_acc: float | None = None

    def on_fit_end(self, trainer: Trainer) -> None:
        if not self.images:
            return
        predicted = [predict_mask(trainer.model, img, self.normalize) for img in self.images]
        right = sum(int((p == m).sum()) for p, m in zip(predicted, self.masks, strict=True))
        self.pixel_acc = right / sum(m.numel() for m in self.masks)
        if trainer.run_dir is not None:
            fig = show_segmentations(
                self.images,
                [label2image(p) for p in predicted],
                [label2image(m) for m in self.masks],
                title="test images: predicted and true classes",
            )
            save_figure(fig, trainer.run_dir / "segmentation.png")

    def summary(self) -> dict[str, Any]:
        return {} if self.pixel_acc is None else {"shown_pixel_acc": self.pixel_acc}
