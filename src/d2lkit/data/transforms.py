"""Per-batch transforms that run where the batch lives (CPU or GPU).

Images stay uint8 in memory (4x smaller than float32); each batch is turned
into float, resized and normalised just before the model sees it.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

__all__ = ["ImageBatch"]


class ImageBatch:
    """uint8 (B, C, H, W) -> float32 in [0, 1], then optionally resized and normalised.

    Args:
        resize: output side (int) or (height, width); bilinear, as the book's
            ``transforms.Resize`` of the PIL image.
        mean, std: per-channel normalisation applied after scaling to [0, 1].
    """

    def __init__(
        self,
        resize: int | tuple[int, int] | None = None,
        mean: Sequence[float] | None = None,
        std: Sequence[float] | None = None,
    ) -> None:
        if (mean is None) != (std is None):
            raise ValueError("give both mean and std, or neither")
        self.size = (resize, resize) if isinstance(resize, int) else resize
        self.mean = None if mean is None else torch.tensor(mean).view(1, -1, 1, 1)
        self.std = None if std is None else torch.tensor(std).view(1, -1, 1, 1)

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        x = images.to(torch.float32).div_(255)
        if self.size is not None and tuple(x.shape[-2:]) != self.size:
            x = F.interpolate(x, size=self.size, mode="bilinear", align_corners=False,
                              antialias=True)
        if self.mean is not None:
            mean = self.mean.to(x.device)
            std = self.std.to(x.device)
            x = x.sub_(mean).div_(std)
        return x

    def __repr__(self) -> str:
        parts = []
        if self.size is not None:
            parts.append(f"resize={self.size}")
        if self.mean is not None:
            parts.append(f"mean={self.mean.flatten().tolist()}, std={self.std.flatten().tolist()}")
        return f"ImageBatch({', '.join(parts)})"
