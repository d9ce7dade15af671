"""The two photos of neural style transfer (13.12), read and normalised for VGG-19.

Not a training set: the style-transfer recipe (a function recipe) builds it
for its settings (``data.content``, ``data.style``, ``data.height``,
``data.width``) and reads the images from ``extras``. By default they are the
book's photos from the store (Mount Rainier, an autumn oak); any image file
may be given instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

from d2lkit.data.access import require
from d2lkit.data.images import read_image
from d2lkit.data.segmentation import IMAGENET_MEAN_STD
from d2lkit.data.transforms import ImageBatch
from d2lkit.experiments.builders.data import Root, RunData, register_data
from d2lkit.experiments.config import DataConfig

__all__ = ["postprocess", "preprocess"]

BOOK_CONTENT, BOOK_STYLE = "rainier.jpg", "autumn-oak.jpg"


def preprocess(image: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """uint8 ``(3, H, W)`` -> ``(1, 3, height, width)`` resized, scaled, ImageNet-normalised."""
    mean, std = IMAGENET_MEAN_STD
    return ImageBatch(resize=(height, width), mean=mean, std=std)(image[None])


def postprocess(X: torch.Tensor) -> torch.Tensor:
    """:func:`preprocess` undone, clamped to [0, 1]: ``(1, 3, H, W)`` -> uint8 ``(3, H, W)``."""
    mean, std = (torch.tensor(v, device=X.device).view(3, 1, 1) for v in IMAGENET_MEAN_STD)
    image = (X[0].detach() * std + mean).clamp(0, 1)
    return (image * 255).round().to(torch.uint8).cpu()


def _image(path: str | None, book_file: str, root: Root) -> torch.Tensor:
    if path is None:
        return read_image(require("style-images", book_file, root))
    return read_image(Path(os.path.expanduser(path)))


@register_data("style-images", files="style-images")
def _style_images(
    config: DataConfig,
    *,
    device: torch.device,
    seed: int,
    root: Root,
    content: str | None = None,
    style: str | None = None,
    height: int = 300,
    width: int = 450,
) -> RunData:
    """The content and style images at ``height x width``, normalised, on ``device``.

    ``content`` / ``style``: image files (default: the book's photos from the store).
    """
    content_image = _image(content, BOOK_CONTENT, root)
    style_image = _image(style, BOOK_STYLE, root)
    return RunData(
        None,
        {},
        extras={
            "content": preprocess(content_image, height, width).to(device),
            "style": preprocess(style_image, height, width).to(device),
        },
    )
