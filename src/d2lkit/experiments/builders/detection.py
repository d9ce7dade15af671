"""The banana detection data set for recipes (13.6): 256 x 256 images with one box each.

Batches are ``(float images 0-255, labels (B, 1, 5))`` as the book's
``load_data_bananas`` serves them (its detector takes raw pixel values). The
100 validation images are evaluated every epoch (``valid_*`` figures, which
the book does not print) and the first few go to the callbacks, which draw
what the detector finds in them.
"""

from __future__ import annotations

import torch

from d2lkit.data.detection import read_bananas
from d2lkit.data.loaders import TensorLoader
from d2lkit.experiments.builders.data import Root, RunData, register_data
from d2lkit.experiments.config import DataConfig

__all__ = ["raw_pixels"]


def raw_pixels(images: torch.Tensor) -> torch.Tensor:
    """uint8 images as float32 values 0-255, unscaled: the book's detector input."""
    return images.float()


@register_data("banana-detection", files="banana-detection")
def _bananas(config: DataConfig, *, device: torch.device, seed: int, root: Root) -> RunData:
    """1,000 training and 100 validation images; the training batches are shuffled."""
    train, val = read_bananas(True, root), read_bananas(False, root)
    train_loader = TensorLoader(
        train.images, train.labels, batch_size=config.batch_size, shuffle=True, seed=seed,
        transform=raw_pixels, device=device,
    )  # fmt: skip
    val_loader = TensorLoader(
        val.images, val.labels, batch_size=config.eval_batch_size or config.batch_size,
        transform=raw_pixels, device=device,
    )  # fmt: skip
    return RunData(
        train_loader,
        {"valid": val_loader},
        model_kwargs={"num_classes": 1},
        extras={"shown": val.images[:4], "shown_labels": val.labels[:4]},
        input_shape=tuple(train.images.shape[1:]),
    )
