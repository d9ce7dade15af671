"""PASCAL VOC 2012 semantic segmentation (d2l 13.9): images, class masks, random crops.

The extracted archive's ``VOC2012/`` folder holds ``JPEGImages/<id>.jpg``,
``SegmentationClass/<id>.png`` (each pixel's class drawn in
:data:`VOC_COLORMAP`'s colours; the border colour maps to background, as in
the book) and ``ImageSets/Segmentation/{train,val}.txt`` listing the ids.

Images differ in size, so a split is a list of ``(3, H, W)`` uint8 images and
``(H, W)`` int64 class masks, converted from colours once when read.
:class:`VOCSegDataset` serves a random ``crop_size`` crop of each (images
smaller than the crop are left out, as in the book), normalised with the
ImageNet mean and standard deviation.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from d2lkit.data.access import require_unpacked
from d2lkit.data.files import read_text
from d2lkit.data.images import read_image
from d2lkit.errors import DataError

__all__ = [
    "IMAGENET_MEAN_STD",
    "VOC_CLASSES",
    "VOC_COLORMAP",
    "SegmentationSet",
    "VOCSegDataset",
    "read_voc",
    "read_voc_folder",
    "voc_colormap2label",
    "voc_dir",
    "voc_label_indices",
    "voc_loaders",
    "voc_rand_crop",
]

VOC_COLORMAP = (
    (0, 0, 0), (128, 0, 0), (0, 128, 0), (128, 128, 0), (0, 0, 128), (128, 0, 128),
    (0, 128, 128), (128, 128, 128), (64, 0, 0), (192, 0, 0), (64, 128, 0), (192, 128, 0),
    (64, 0, 128), (192, 0, 128), (64, 128, 128), (192, 128, 128), (0, 64, 0), (128, 64, 0),
    (0, 192, 0), (128, 192, 0), (0, 64, 128),
)  # fmt: skip
VOC_CLASSES = (
    "background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat",
    "chair", "cow", "diningtable", "dog", "horse", "motorbike", "person", "potted plant",
    "sheep", "sofa", "train", "tv/monitor",
)  # fmt: skip
IMAGENET_MEAN_STD = ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))


def _color_keys(colors: torch.Tensor) -> torch.Tensor:
    """``(3, ...)`` RGB values -> one int64 key per pixel: ``(R * 256 + G) * 256 + B``."""
    c = colors.to(torch.int64)
    return (c[0] * 256 + c[1]) * 256 + c[2]


def voc_colormap2label() -> torch.Tensor:
    """The book's lookup table: ``(256 ** 3,)`` int64, colour key -> class (0 elsewhere)."""
    table = torch.zeros(256**3, dtype=torch.long)
    colors = torch.tensor(VOC_COLORMAP).T  # (3, 21)
    table[_color_keys(colors)] = torch.arange(len(VOC_COLORMAP))
    return table


@functools.cache
def _sorted_colors() -> tuple[torch.Tensor, torch.Tensor]:
    """The 21 colour keys in ascending order, and the class of each."""
    keys, classes = torch.sort(_color_keys(torch.tensor(VOC_COLORMAP).T))
    return keys, classes


def voc_label_indices(
    colormap: torch.Tensor, colormap2label: torch.Tensor | None = None
) -> torch.Tensor:
    """Class indices ``(H, W)`` int64 of an RGB mask ``(3, H, W)``; unknown colours are 0.

    With ``colormap2label`` (the book's 128 MiB table) it is looked up there;
    without, the 21 colours are matched directly (no table needed).
    """
    if colormap.dim() != 3 or colormap.shape[0] != 3:
        raise ValueError(f"a VOC mask is (3, H, W) RGB, got {tuple(colormap.shape)}")
    keys = _color_keys(colormap)  # (H, W)
    if colormap2label is not None:
        return colormap2label[keys]
    sorted_keys, classes = _sorted_colors()
    pos = torch.searchsorted(sorted_keys, keys).clamp(max=len(sorted_keys) - 1)
    return torch.where(sorted_keys[pos] == keys, classes[pos], 0)


def voc_rand_crop(
    feature: torch.Tensor,
    label: torch.Tensor,
    height: int,
    width: int,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The same random ``height x width`` window of an image ``(C, H, W)`` and its label.

    ``label`` may be ``(C', H, W)`` (an RGB mask) or ``(H, W)`` (class indices).
    """
    H, W = feature.shape[-2:]
    if label.shape[-2:] != (H, W):
        raise ValueError(f"image {tuple(feature.shape)} and label {tuple(label.shape)} differ")
    if height > H or width > W:
        raise ValueError(f"a {height}x{width} crop does not fit in a {H}x{W} image")
    top = int(torch.randint(0, H - height + 1, (1,), generator=generator))
    left = int(torch.randint(0, W - width + 1, (1,), generator=generator))
    window = (..., slice(top, top + height), slice(left, left + width))
    return feature[window], label[window]


@dataclass(frozen=True)
class SegmentationSet:
    """Images (each ``(3, H, W)`` uint8) and their masks: ``(H, W)`` int64 classes, or RGB."""

    images: list[torch.Tensor]
    masks: list[torch.Tensor]
    ids: list[str]
    classes: tuple[str, ...] = VOC_CLASSES

    def __len__(self) -> int:
        return len(self.images)


def read_voc_folder(
    voc_dir: Path, is_train: bool = True, rgb_masks: bool = False
) -> SegmentationSet:
    """The train or val split listed in ``voc_dir/ImageSets/Segmentation``.

    With ``rgb_masks`` the masks stay the colour images ``(3, H, W)`` uint8 the
    files hold (the book's ``read_voc_images``); by default they are class indices.
    """
    voc_dir = Path(voc_dir)
    listing = voc_dir / "ImageSets" / "Segmentation" / ("train.txt" if is_train else "val.txt")
    if not listing.is_file():
        raise DataError(
            f"{listing} is missing: {voc_dir} is not a VOC2012 folder",
            fix="point at the folder holding JPEGImages/, SegmentationClass/ and ImageSets/",
        )
    ids = read_text(listing).split()
    images, masks = [], []
    for name in ids:
        image = read_image(voc_dir / "JPEGImages" / f"{name}.jpg")
        mask = read_image(voc_dir / "SegmentationClass" / f"{name}.png")
        if not rgb_masks:
            mask = voc_label_indices(mask)
        if mask.shape[-2:] != image.shape[-2:]:
            raise DataError(
                f"{voc_dir / 'SegmentationClass' / name}.png is {tuple(mask.shape[-2:])} but its "
                f"image is {tuple(image.shape[-2:])}",
                fix="the folder is damaged: fetch the data set again",
            )
        images.append(image)
        masks.append(mask)
    return SegmentationSet(images, masks, ids)


def voc_dir(root: str | os.PathLike[str] | None = None, *, download: bool = True) -> Path:
    """The verified ``VOC2012`` folder of the store (downloaded and extracted on first use)."""
    folder = require_unpacked("voc2012", "VOCtrainval_11-May-2012.tar", root, download=download)
    return folder / "VOC2012"


def read_voc(
    is_train: bool = True, root: str | os.PathLike[str] | None = None, *, download: bool = True
) -> SegmentationSet:
    """VOC 2012's train (1,464 images) or val (1,449) segmentation split, verified first."""
    return read_voc_folder(voc_dir(root, download=download), is_train)


class VOCSegDataset(torch.utils.data.Dataset[tuple[torch.Tensor, torch.Tensor]]):
    """Random crops of a segmentation split: ``(float image (3, h, w) normalised, mask (h, w))``.

    Images smaller than ``crop_size`` are left out. Each access draws a new
    window (from ``generator`` if given), as the book's dataset does.
    """

    def __init__(
        self,
        data: SegmentationSet,
        crop_size: Sequence[int],
        mean_std: tuple[Sequence[float], Sequence[float]] = IMAGENET_MEAN_STD,
        generator: torch.Generator | None = None,
    ) -> None:
        self.crop_size = (int(crop_size[0]), int(crop_size[1]))
        h, w = self.crop_size
        kept = [i for i, img in enumerate(data.images) if img.shape[1] >= h and img.shape[2] >= w]
        self.mean = torch.tensor(mean_std[0]).reshape(3, 1, 1)
        self.std = torch.tensor(mean_std[1]).reshape(3, 1, 1)
        self.features = [self.normalize_image(data.images[i]) for i in kept]
        self.labels = [data.masks[i] for i in kept]
        self.generator = generator

    def normalize_image(self, img: torch.Tensor) -> torch.Tensor:
        """uint8 ``(3, H, W)`` -> float, scaled to [0, 1] and normalised per channel."""
        return (img.float() / 255 - self.mean) / self.std

    def __getitem__(self, idx: int) -> tuple[torch.Tensor, torch.Tensor]:
        return voc_rand_crop(self.features[idx], self.labels[idx], *self.crop_size, self.generator)

    def __len__(self) -> int:
        return len(self.features)


def voc_loaders(
    batch_size: int,
    crop_size: Sequence[int],
    *,
    root: str | os.PathLike[str] | None = None,
    seed: int = 0,
    download: bool = True,
) -> tuple[torch.utils.data.DataLoader, torch.utils.data.DataLoader]:
    """(train shuffled, test in order) loaders of random crops; last partial batches dropped.

    No worker processes: the crops are cheap slices of tensors already in memory.
    """
    generator = torch.Generator().manual_seed(seed)
    folder = voc_dir(root, download=download)
    train = VOCSegDataset(read_voc_folder(folder, True), crop_size, generator=generator)
    test = VOCSegDataset(read_voc_folder(folder, False), crop_size, generator=generator)
    return (
        torch.utils.data.DataLoader(
            train, batch_size, shuffle=True, drop_last=True, generator=generator
        ),
        torch.utils.data.DataLoader(test, batch_size, drop_last=True),
    )
