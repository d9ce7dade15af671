"""The chapter-13 augmentations torchvision applies one image at a time, for whole batches.

``RandomResizedCrop`` (13.2, 13.13, 13.14), ``CenterCrop`` and ``ColorJitter``
(13.14) as torchvision's transforms of the same names define them: each image
draws its own crop (a share of the area and an aspect ratio, up to ten tries,
then the whole image's central part) or its own brightness, contrast and
saturation factors, applied in its own random order. The draws come from the
transform's CPU ``torch.Generator`` (a seed gives the same batches anywhere);
the pixels are computed on the batch's device. The deterministic halves
(:func:`resized_crop`, :func:`adjust_color`) equal torchvision's functional
ops on the same parameters.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F

__all__ = [
    "CenterCrop",
    "ColorJitter",
    "RandomResizedCrop",
    "adjust_color",
    "crop_boxes",
    "resized_crop",
]

_BRIGHTNESS, _CONTRAST, _SATURATION = 0, 1, 2
_GREY = (0.2989, 0.587, 0.114)  # torchvision's rgb_to_grayscale weights


def _pair(size: int | Sequence[int]) -> tuple[int, int]:
    return (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))


def _check(images: torch.Tensor, who: str) -> None:
    if images.dim() != 4:
        raise ValueError(f"{who} expects a batch (B, C, H, W), got shape {tuple(images.shape)}")


def crop_boxes(
    count: int,
    height: int,
    width: int,
    scale: tuple[float, float],
    ratio: tuple[float, float],
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """``(count, 4)`` int64 boxes ``(top, left, h, w)`` drawn as torchvision's
    ``RandomResizedCrop.get_params``: area share in ``scale``, log-uniform aspect in ``ratio``."""
    area = height * width
    log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
    boxes = torch.empty(count, 4, dtype=torch.int64)
    for i in range(count):
        boxes[i] = torch.tensor(_one_box(height, width, area, scale, ratio, log_ratio, generator))
    return boxes


def _one_box(
    height: int,
    width: int,
    area: int,
    scale: tuple[float, float],
    ratio: tuple[float, float],
    log_ratio: tuple[float, float],
    generator: torch.Generator | None,
) -> tuple[int, int, int, int]:
    for _ in range(10):
        target = area * float(torch.empty(1).uniform_(*scale, generator=generator))
        aspect = math.exp(float(torch.empty(1).uniform_(*log_ratio, generator=generator)))
        w = round(math.sqrt(target * aspect))
        h = round(math.sqrt(target / aspect))
        if 0 < w <= width and 0 < h <= height:
            top = int(torch.randint(0, height - h + 1, (1,), generator=generator))
            left = int(torch.randint(0, width - w + 1, (1,), generator=generator))
            return top, left, h, w
    in_ratio = width / height  # fallback: the central crop of the nearest allowed ratio
    if in_ratio < min(ratio):
        w, h = width, round(width / min(ratio))
    elif in_ratio > max(ratio):
        h, w = height, round(height * max(ratio))
    else:
        w, h = width, height
    return (height - h) // 2, (width - w) // 2, h, w


def resized_crop(
    images: torch.Tensor, boxes: torch.Tensor, size: int | Sequence[int]
) -> torch.Tensor:
    """Each image's box ``(top, left, h, w)`` resized to ``size`` (bilinear, antialiased).

    uint8 in, uint8 out (rounded), as torchvision's ``resized_crop`` of a tensor.
    """
    _check(images, "resized_crop")
    out_size = _pair(size)
    out = []
    for image, (top, left, h, w) in zip(images, boxes.tolist(), strict=True):
        crop = image[None, :, top : top + h, left : left + w]
        x = crop if crop.is_floating_point() else crop.float()
        x = F.interpolate(x, size=out_size, mode="bilinear", align_corners=False, antialias=True)
        out.append(x if images.is_floating_point() else x.round_().clamp_(0, 255).to(images.dtype))
    if not out:
        return images.new_zeros((0, images.shape[1], *out_size))
    return torch.cat(out)


class RandomResizedCrop:
    """A random crop of each image, resized to ``size``: torchvision's ``RandomResizedCrop``."""

    def __init__(
        self,
        size: int | Sequence[int],
        scale: tuple[float, float] = (0.08, 1.0),
        ratio: tuple[float, float] = (3 / 4, 4 / 3),
        generator: torch.Generator | None = None,
    ) -> None:
        self.size, self.scale, self.ratio = _pair(size), scale, ratio
        self.generator = generator

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        _check(images, "RandomResizedCrop")
        H, W = images.shape[-2:]
        boxes = crop_boxes(images.shape[0], H, W, self.scale, self.ratio, self.generator)
        return resized_crop(images, boxes, self.size)

    def __repr__(self) -> str:
        return f"RandomResizedCrop(size={self.size}, scale={self.scale}, ratio={self.ratio})"


class CenterCrop:
    """The central ``size`` window of every image (torchvision's ``CenterCrop``, no padding)."""

    def __init__(self, size: int | Sequence[int]) -> None:
        self.size = _pair(size)

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        _check(images, "CenterCrop")
        (h, w), (H, W) = self.size, images.shape[-2:]
        if h > H or w > W:
            raise ValueError(f"a {h}x{w} centre crop does not fit in {H}x{W} images")
        top, left = round((H - h) / 2.0), round((W - w) / 2.0)
        return images[..., top : top + h, left : left + w]

    def __repr__(self) -> str:
        return f"CenterCrop(size={self.size})"


def _grey(images: torch.Tensor) -> torch.Tensor:
    weights = torch.tensor(_GREY, device=images.device, dtype=images.dtype).view(1, 3, 1, 1)
    return (images * weights).sum(dim=1, keepdim=True)  # (B, 1, H, W)


def _blend(images: torch.Tensor, other: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
    return (factor * images + (1 - factor) * other).clamp(0, 1)


def adjust_color(images: torch.Tensor, factors: torch.Tensor, order: torch.Tensor) -> torch.Tensor:
    """Brightness, contrast and saturation of float RGB images in [0, 1], per image.

    Args:
        images: ``(B, 3, H, W)`` float in [0, 1].
        factors: ``(B, 3)``: each image's brightness, contrast and saturation factor.
        order: ``(B, 3)``: each image's order of the three (0 brightness, 1 contrast,
            2 saturation), as torchvision's ``ColorJitter`` permutes them.
    """
    _check(images, "adjust_color")
    x = images
    for position in range(3):
        op = order[:, position].to(x.device)[:, None, None, None]
        f = factors.gather(1, order[:, position : position + 1]).to(x)[:, :, None, None]
        bright = (x * f).clamp(0, 1)
        contrast = _blend(x, _grey(x).mean(dim=(-3, -2, -1), keepdim=True), f)
        saturation = _blend(x, _grey(x), f)
        x = torch.where(
            op == _BRIGHTNESS, bright, torch.where(op == _CONTRAST, contrast, saturation)
        )
    return x


class ColorJitter:
    """Random brightness, contrast and saturation (torchvision's ``ColorJitter``, no hue).

    Each factor is uniform in ``[max(0, 1 - v), 1 + v]`` per image; float images in [0, 1]
    (put it after :class:`~d2lkit.data.transforms.ImageBatch`'s scaling, before normalising).
    """

    def __init__(
        self,
        brightness: float = 0.0,
        contrast: float = 0.0,
        saturation: float = 0.0,
        generator: torch.Generator | None = None,
    ) -> None:
        self.amounts = (brightness, contrast, saturation)
        self.generator = generator

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        _check(images, "ColorJitter")
        B = images.shape[0]
        low = torch.tensor([max(0.0, 1 - v) for v in self.amounts])
        high = torch.tensor([1 + v for v in self.amounts])
        factors = low + (high - low) * torch.rand(B, 3, generator=self.generator)
        order = torch.argsort(torch.rand(B, 3, generator=self.generator), dim=1)
        return adjust_color(images, factors, order)

    def __repr__(self) -> str:
        b, c, s = self.amounts
        return f"ColorJitter(brightness={b}, contrast={c}, saturation={s})"
