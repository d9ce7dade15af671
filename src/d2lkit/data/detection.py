"""The banana detection data set (d2l 13.6) as tensors: images and their boxes.

The archive's layout: ``bananas_train/`` and ``bananas_val/``, each with
``label.csv`` (``img_name,label,xmin,ymin,xmax,ymax`` in pixels) and
``images/<img_name>``. Every image is 256x256 and holds one banana (class 0).
Boxes come back as the book's targets: ``(N, 1, 5)`` rows
``(class, x1, y1, x2, y2)`` with the corners as fractions of the image size.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import torch

from d2lkit.data.access import require_unpacked
from d2lkit.data.files import read_csv
from d2lkit.data.images import read_images, stack_images
from d2lkit.data.loaders import TensorLoader
from d2lkit.errors import DataError

__all__ = [
    "BANANA_COLUMNS",
    "DetectionSet",
    "bananas_loaders",
    "read_bananas",
    "read_bananas_folder",
]

BANANA_COLUMNS = ("img_name", "label", "xmin", "ymin", "xmax", "ymax")


@dataclass(frozen=True)
class DetectionSet:
    """Images ``(N, 3, H, W)`` uint8 and boxes ``(N, G, 5)`` float: ``(class, x1, y1, x2, y2)``.

    Corners are fractions of the image's width and height, as anchors are.
    """

    images: torch.Tensor
    labels: torch.Tensor

    def __len__(self) -> int:
        return self.images.shape[0]


def read_bananas_folder(folder: Path, is_train: bool = True) -> DetectionSet:
    """One split of an extracted banana-detection folder (see the module docstring)."""
    split = Path(folder) / ("bananas_train" if is_train else "bananas_val")
    table = read_csv(split / "label.csv", BANANA_COLUMNS, dtype={"img_name": str})
    images = stack_images(
        read_images([split / "images" / name for name in table["img_name"]]), str(split)
    )
    boxes = torch.tensor(table[["xmin", "ymin", "xmax", "ymax"]].to_numpy(), dtype=torch.float32)
    if len(images):
        height, width = images.shape[-2:]
        boxes = boxes / torch.tensor([width, height, width, height], dtype=torch.float32)
    bad = ~((boxes[:, 0] < boxes[:, 2]) & (boxes[:, 1] < boxes[:, 3]))
    if bool(bad.any()):
        row = int(bad.nonzero()[0])
        raise DataError(
            f"{split / 'label.csv'} row {row + 2} has a box whose corners are not "
            "upper-left then lower-right",
            fix="use the label.csv that came with the images",
        )
    classes = torch.tensor(table["label"].to_numpy(), dtype=torch.float32).unsqueeze(1)
    return DetectionSet(images, torch.cat((classes, boxes), dim=1).unsqueeze(1))


def read_bananas(
    is_train: bool = True, root: str | os.PathLike[str] | None = None, *, download: bool = True
) -> DetectionSet:
    """The banana data set's train (1,000 images) or validation (100) split, verified first.

    Missing files are downloaded into ``root`` (default ``$D2LKIT_DATA``) on
    first use; ``download=False`` (or ``$D2LKIT_OFFLINE=1``) says where to put them.
    """
    folder = require_unpacked("banana-detection", "banana-detection.zip", root, download=download)
    return read_bananas_folder(folder, is_train)


def _to_float(images: torch.Tensor) -> torch.Tensor:
    return images.float()  # the book's detector takes pixel values 0-255 as they are


def bananas_loaders(
    batch_size: int,
    *,
    root: str | os.PathLike[str] | None = None,
    device: torch.device | str | None = None,
    seed: int = 0,
    download: bool = True,
) -> tuple[TensorLoader, TensorLoader]:
    """(train shuffled, validation in order) loaders of ``(float images 0-255, boxes)``."""
    train, val = (
        read_bananas(True, root, download=download),
        read_bananas(False, root, download=download),
    )
    return (
        TensorLoader(
            train.images, train.labels, batch_size=batch_size, shuffle=True, seed=seed,
            transform=_to_float, device=device,
        ),
        TensorLoader(
            val.images, val.labels, batch_size=batch_size, transform=_to_float, device=device
        ),
    )  # fmt: skip
