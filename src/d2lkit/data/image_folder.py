"""Images sorted into one folder per class (``<root>/<class>/<file>``), as tensors.

The layout of the hot-dog data set (d2l 13.2: ``train/`` and ``test/``, each
with ``hotdog/`` and ``not-hotdog/``) and of the Kaggle reorganisations
(:mod:`d2lkit.data.kaggle`). Classes are the folder names in sorted order and
files are read in sorted order, as torchvision's ``ImageFolder`` does, so
labels agree with it. Photos of different sizes are resized to one size.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
from torch.nn import functional as F

from d2lkit.data.access import require_unpacked
from d2lkit.data.images import read_image, stack_images
from d2lkit.data.vision import ImageSet
from d2lkit.errors import DataError

__all__ = ["IMAGE_SUFFIXES", "image_folder_files", "read_hotdog", "read_image_folder"]

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp")


def image_folder_files(root: Path) -> tuple[list[Path], list[int], tuple[str, ...]]:
    """(image paths, their class indices, class names) of a class-folder tree."""
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"{root} is missing", fix="point at a folder of class folders")
    classes = tuple(sorted(p.name for p in root.iterdir() if p.is_dir()))
    if not classes:
        raise DataError(
            f"{root} has no class folders", fix="expected <root>/<class name>/<image files>"
        )
    paths, labels = [], []
    for index, name in enumerate(classes):
        for path in sorted((root / name).iterdir()):
            if path.suffix.lower() in IMAGE_SUFFIXES:
                paths.append(path)
                labels.append(index)
    return paths, labels, classes


def _resized(image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    if tuple(image.shape[-2:]) == size:
        return image
    x = F.interpolate(image[None].float(), size=size, mode="bilinear", antialias=True)
    return x[0].round().clamp(0, 255).to(torch.uint8)


def read_image_folder(root: Path, resize: int | tuple[int, int] | None = None) -> ImageSet:
    """A class-folder tree as an :class:`ImageSet` (uint8 ``(N, 3, H, W)``, int64 labels).

    ``resize`` (a side, or ``(height, width)``) brings every image to one size
    (bilinear, antialiased); without it, the images must share one size.
    """
    paths, labels, classes = image_folder_files(root)
    size = (resize, resize) if isinstance(resize, int) else resize
    images = [read_image(p) for p in paths]
    if size is not None:
        images = [_resized(img, tuple(size)) for img in images]  # type: ignore[arg-type]
    targets = torch.tensor(labels, dtype=torch.int64)
    return ImageSet(stack_images(images, str(root)), targets, classes)


def read_hotdog(
    split: str = "train",
    root: str | os.PathLike[str] | None = None,
    resize: int | tuple[int, int] | None = 256,
    *,
    download: bool = True,
) -> ImageSet:
    """The hot-dog photos of one split (``train`` 2,000 or ``test`` 1,800), ``hotdog`` = class 0.

    The photos differ in size; they are resized to ``resize`` (default 256 x 256,
    the book's test-time size before its 224 centre crop).
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    folder = require_unpacked("hotdog", "hotdog.zip", root, download=download)
    return read_image_folder(folder / split, resize)
