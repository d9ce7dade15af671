"""Kaggle's image competitions for recipes (13.13 CIFAR-10, 13.14 dog breeds), split in memory.

The book copies the images into class folders (``reorg_train_valid``); here
the same split is computed and the images read once into tensors
(:func:`d2lkit.data.kaggle.read_kaggle_images`): the data directory stays as
it was downloaded. ``valid_ratio`` sets the book's validation share;
``train_valid=True`` trains on every labelled image with no validation, as
the book's final run before it writes the submission. The unlabelled test
images go to the callbacks (``extras``), which write ``submission.csv``.
"""

from __future__ import annotations

from typing import Any

import torch

from d2lkit.data.access import require_unpacked
from d2lkit.data.augment import CenterCrop, ColorJitter, RandomResizedCrop
from d2lkit.data.kaggle import KaggleImages, read_kaggle_images
from d2lkit.data.loaders import TensorLoader
from d2lkit.data.segmentation import IMAGENET_MEAN_STD
from d2lkit.data.transforms import Compose, ImageBatch, Normalize, RandomHorizontalFlip, Resize
from d2lkit.data.vision import ImageSet
from d2lkit.experiments.builders.data import Root, RunData, register_data
from d2lkit.experiments.config import DataConfig

__all__ = ["CIFAR10_MEAN_STD", "kaggle_run_data"]

# 13.13's per-channel normalisation of CIFAR-10
CIFAR10_MEAN_STD = ((0.4914, 0.4822, 0.4465), (0.2023, 0.1994, 0.2010))

Transform = Any


def kaggle_run_data(
    data: KaggleImages,
    config: DataConfig,
    *,
    train_transform: Transform,
    eval_transform: Transform,
    device: torch.device,
    seed: int,
    train_valid: bool,
    input_shape: tuple[int, int, int],
    root: Root = None,
) -> RunData:
    """Loaders as the book's 13.13/13.14: shuffled training batches, last partial ones dropped.

    Validation batches drop their last partial batch too (the book's ``drop_last=True``).
    ``root`` (when given) goes to the model: its pretrained weights live there too.
    """
    train = data.train if train_valid else data.split(valid=False)
    loader = TensorLoader(
        train.images, train.labels, batch_size=config.batch_size, shuffle=True, seed=seed,
        drop_last=True, transform=train_transform, device=device,
    )  # fmt: skip
    evals = {}
    if not train_valid:
        valid = data.split(valid=True)
        evals["valid"] = TensorLoader(
            valid.images, valid.labels, batch_size=config.eval_batch_size or config.batch_size,
            drop_last=True, transform=eval_transform, device=device,
        )  # fmt: skip
    model_kwargs: dict[str, Any] = {"num_classes": len(data.train.classes)}
    if root is not None:  # pretrained weights come from the same data directory
        model_kwargs["root"] = str(root)
    return RunData(
        loader,
        evals,
        model_kwargs=model_kwargs,
        extras={
            "classes": data.train.classes,
            "test": data.test,
            "test_ids": data.test_ids,
            "shown": data.split(valid=True) if not train_valid else _first(data.train, 16),
            "eval_transform": eval_transform,
        },
        input_shape=input_shape,
    )


def _first(images: ImageSet, n: int) -> ImageSet:
    return ImageSet(images.images[:n], images.labels[:n], images.classes)


@register_data("kaggle-cifar10", files="cifar10-tiny")
def _kaggle_cifar10(
    config: DataConfig,
    *,
    device: torch.device,
    seed: int,
    root: Root,
    valid_ratio: float = 0.1,
    train_valid: bool = False,
) -> RunData:
    """The Kaggle-layout CIFAR-10 sample (13.13) with the book's augmentation.

    Training: resize to 40, a random square crop of 64-100% of the area back to
    32, a random left-right flip, per-channel normalisation; evaluation: the
    normalisation only.
    """
    folder = require_unpacked("cifar10-tiny", "kaggle_cifar10_tiny.zip", root)
    data = read_kaggle_images(folder, "trainLabels.csv", valid_ratio)
    generator = torch.Generator().manual_seed(seed + 1)
    mean, std = CIFAR10_MEAN_STD
    train_transform = Compose([
        Resize(40),
        RandomResizedCrop(32, scale=(0.64, 1.0), ratio=(1.0, 1.0), generator=generator),
        RandomHorizontalFlip(generator=generator),
        ImageBatch(mean=mean, std=std),
    ])  # fmt: skip
    return kaggle_run_data(
        data, config, train_transform=train_transform,
        eval_transform=ImageBatch(mean=mean, std=std),
        device=device, seed=seed, train_valid=train_valid, input_shape=(3, 32, 32),
    )  # fmt: skip


@register_data("kaggle-dog", files="dog-tiny")
def _kaggle_dog(
    config: DataConfig,
    *,
    device: torch.device,
    seed: int,
    root: Root,
    valid_ratio: float = 0.1,
    train_valid: bool = False,
) -> RunData:
    """The dog-breed sample (13.14), photos read at 256 x 256, with the book's augmentation.

    Training: a random crop of 8-100% of the area (aspect 3/4 to 4/3) resized to
    224, a random flip, brightness, contrast and saturation jittered by up to
    40%, ImageNet normalisation; evaluation: the central 224 x 224, normalised.
    """
    folder = require_unpacked("dog-tiny", "kaggle_dog_tiny.zip", root)
    data = read_kaggle_images(folder, "labels.csv", valid_ratio, resize=256)
    generator = torch.Generator().manual_seed(seed + 1)
    mean, std = IMAGENET_MEAN_STD
    train_transform = Compose([
        RandomResizedCrop(224, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3), generator=generator),
        RandomHorizontalFlip(generator=generator),
        ImageBatch(),
        ColorJitter(0.4, 0.4, 0.4, generator=generator),
        Normalize(mean, std),
    ])  # fmt: skip
    eval_transform = Compose([CenterCrop(224), ImageBatch(mean=mean, std=std)])
    return kaggle_run_data(
        data, config, train_transform=train_transform, eval_transform=eval_transform,
        device=device, seed=seed, train_valid=train_valid, input_shape=(3, 224, 224), root=root,
    )  # fmt: skip
