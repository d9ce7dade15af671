"""Decoding image files into uint8 tensors, with a message naming the file when that fails.

Pillow decodes (JPEG, PNG, palette PNG ...); every image becomes ``(C, H, W)``
uint8, RGB unless asked otherwise. Shared by the chapter-13 readers
(detection, segmentation, image folders).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from d2lkit.errors import DataError

__all__ = ["read_image", "read_images", "stack_images"]


def read_image(path: Path, mode: str = "RGB") -> torch.Tensor:
    """One image file as a ``(C, H, W)`` uint8 tensor (``mode`` as Pillow's: RGB, L ...)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            array = np.asarray(image.convert(mode))
    except FileNotFoundError:
        raise DataError(
            f"{path} is missing", fix="the data set's folder is incomplete: fetch it again"
        ) from None
    except (OSError, UnidentifiedImageError, SyntaxError) as exc:
        raise DataError(
            f"{path} is not a readable image ({exc})",
            fix="the file is damaged: fetch the data set again",
        ) from None
    if array.ndim == 2:
        array = array[:, :, None]
    return torch.from_numpy(array.copy()).permute(2, 0, 1).contiguous()


def read_images(paths: Sequence[Path], mode: str = "RGB") -> list[torch.Tensor]:
    """Several image files, each ``(C, H, W)`` uint8 (sizes may differ)."""
    return [read_image(p, mode) for p in paths]


def stack_images(images: Sequence[torch.Tensor], where: str) -> torch.Tensor:
    """Same-sized ``(C, H, W)`` images as one ``(N, C, H, W)`` tensor; other sizes are an error."""
    sizes = sorted({tuple(img.shape) for img in images})
    if len(sizes) > 1:
        raise DataError(
            f"{where} holds images of different sizes: {sizes[:3]}",
            fix="resize them to one size first (resize=...)",
        )
    if not images:
        return torch.zeros((0, 3, 0, 0), dtype=torch.uint8)
    return torch.stack(list(images))
