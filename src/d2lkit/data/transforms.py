"""Per-batch transforms that run where the batch lives (CPU or GPU).

Images stay uint8 in memory (4x smaller than float32); each batch is turned
into float, resized and normalised just before the model sees it. The random
augmentations draw their few numbers per batch (offsets, flips) from their own
CPU ``torch.Generator``, so a seed gives the same batches on any device, and
apply them with one gather on the batch's device: no per-image Python.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F

__all__ = [
    "Compose",
    "ImageBatch",
    "Normalize",
    "RandomCrop",
    "RandomHorizontalFlip",
    "Resize",
]

Transform = Callable[[torch.Tensor], torch.Tensor]


def _pair(size: int | tuple[int, int]) -> tuple[int, int]:
    return (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))


def _check_batch(images: torch.Tensor, who: str) -> None:
    if images.dim() != 4:
        raise ValueError(f"{who} expects a batch (B, C, H, W), got shape {tuple(images.shape)}")


class RandomCrop:
    """A random ``size`` crop of each image after zero ``padding`` on every side (any dtype).

    As torchvision's ``RandomCrop(size, padding)``, but for a whole batch at once.
    """

    def __init__(
        self,
        size: int | tuple[int, int],
        padding: int = 0,
        generator: torch.Generator | None = None,
    ) -> None:
        self.size = _pair(size)
        self.padding = padding
        self.generator = generator

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        _check_batch(images, "RandomCrop")
        p = self.padding
        x = F.pad(images, (p, p, p, p)) if p else images
        (h, w), (H, W) = self.size, x.shape[-2:]
        if h > H or w > W:
            raise ValueError(f"crop {self.size} is larger than the padded image {(H, W)}")
        B = x.shape[0]
        top = torch.randint(0, H - h + 1, (B,), generator=self.generator).to(x.device)
        left = torch.randint(0, W - w + 1, (B,), generator=self.generator).to(x.device)
        rows = (top[:, None] + torch.arange(h, device=x.device))[:, None, :, None]  # (B,1,h,1)
        cols = (left[:, None] + torch.arange(w, device=x.device))[:, None, None, :]  # (B,1,1,w)
        batch = torch.arange(B, device=x.device)[:, None, None, None]
        channel = torch.arange(x.shape[1], device=x.device)[None, :, None, None]
        return x[batch, channel, rows, cols]  # (B, C, h, w)

    def __repr__(self) -> str:
        return f"RandomCrop(size={self.size}, padding={self.padding})"


class RandomHorizontalFlip:
    """Mirror each image left-right with probability ``p`` (any dtype)."""

    def __init__(self, p: float = 0.5, generator: torch.Generator | None = None) -> None:
        self.p = p
        self.generator = generator

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        _check_batch(images, "RandomHorizontalFlip")
        flip = torch.rand(images.shape[0], generator=self.generator) < self.p
        flip = flip.to(images.device)[:, None, None, None]
        return torch.where(flip, images.flip(-1), images)

    def __repr__(self) -> str:
        return f"RandomHorizontalFlip(p={self.p})"


class Normalize:
    """(x - mean) / std per channel, on float images (cast uint8 with ``ImageBatch`` first)."""

    def __init__(self, mean: Sequence[float], std: Sequence[float]) -> None:
        self.mean = torch.tensor(mean, dtype=torch.float32).view(1, -1, 1, 1)
        self.std = torch.tensor(std, dtype=torch.float32).view(1, -1, 1, 1)

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        _check_batch(images, "Normalize")
        if not images.is_floating_point():
            raise TypeError(
                f"Normalize needs float images, got {images.dtype}: scale them first "
                "(ImageBatch turns uint8 into [0, 1])"
            )
        mean = self.mean.to(images.device, images.dtype)
        std = self.std.to(images.device, images.dtype)
        return (images - mean) / std

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean.flatten().tolist()}, std={self.std.flatten().tolist()})"


class Resize:
    """Bilinear (antialiased) resize of a batch to ``size``; uint8 in, uint8 out (rounded)."""

    def __init__(self, size: int | tuple[int, int]) -> None:
        self.size = _pair(size)

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        _check_batch(images, "Resize")
        if tuple(images.shape[-2:]) == self.size:
            return images
        x = images if images.is_floating_point() else images.float()
        x = F.interpolate(x, size=self.size, mode="bilinear", align_corners=False, antialias=True)
        if images.is_floating_point():
            return x
        return x.round_().clamp_(0, 255).to(images.dtype)

    def __repr__(self) -> str:
        return f"Resize(size={self.size})"


class Compose:
    """Apply transforms in order: ``Compose([RandomCrop(32, 4), RandomHorizontalFlip(), ...])``."""

    def __init__(self, transforms: Sequence[Transform]) -> None:
        self.transforms = list(transforms)

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        for transform in self.transforms:
            images = transform(images)
        return images

    def __repr__(self) -> str:
        return f"Compose({self.transforms})"


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
        self.resize = None if resize is None else Resize(resize)
        self.normalize = None if mean is None else Normalize(mean, std)  # type: ignore[arg-type]

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        x = images.to(torch.float32).div_(255)
        if self.resize is not None:
            x = self.resize(x)
        if self.normalize is not None:
            x = self.normalize(x)
        return x

    def __repr__(self) -> str:
        parts = [repr(t) for t in (self.resize, self.normalize) if t is not None]
        return f"ImageBatch({', '.join(parts)})"
