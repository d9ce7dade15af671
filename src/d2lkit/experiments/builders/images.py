"""Image data sets for recipes: Fashion-MNIST, MNIST (the book), CIFAR-10 (the handbook).

Images stay uint8 tensors; conversion, resizing and normalisation happen per
batch on the device (:class:`~d2lkit.data.transforms.ImageBatch`).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import torch

from d2lkit.data import (
    CIFAR10_CLASSES,
    ImageSet,
    TensorLoader,
    image_loaders,
    read_cifar10,
    read_cifar10_kaggle,
    read_fashion_mnist,
    read_mnist,
)
from d2lkit.data.transforms import Compose, ImageBatch, RandomCrop, RandomHorizontalFlip
from d2lkit.data.vision import MNIST_MEAN_STD
from d2lkit.errors import ConfigError
from d2lkit.experiments.builders.data import Root, RunData, register_data
from d2lkit.experiments.config import DataConfig

__all__: list[str] = []


def _grey(config: DataConfig) -> tuple[int, int, int]:
    side = config.resize or 28
    return (1, side, side)


def _first(images: ImageSet, limit: int | None) -> ImageSet:
    """The first ``limit`` examples (all when None): a quick run on a CPU."""
    if limit is None:
        return images
    if limit < 1:
        raise ConfigError(f"data.limit = {limit} is not allowed", fix="pass at least 1")
    return dataclasses.replace(images, images=images.images[:limit], labels=images.labels[:limit])


@register_data("fashion-mnist", files="fashion-mnist")
def _fashion_mnist(
    config: DataConfig,
    *,
    device: torch.device,
    seed: int,
    root: Root,
    limit: int | None = None,
    crop_padding: int = 0,
    flip: bool = False,
) -> RunData:
    """The book's loaders; ``limit`` keeps the first N training and N test images,
    ``crop_padding``/``flip`` augment training batches (fast recipes).

    ``--set data.limit=512`` makes a chapter-7 network at 224 px finish an
    epoch on a laptop CPU in minutes: a check that it runs, not a result.
    Random crops (after zero padding on every side) and left-right flips draw
    from their own generator, seeded from the run's seed.
    """
    train_set = _first(read_fashion_mnist("train", root), limit)
    test_set = _first(read_fashion_mnist("test", root), limit)
    if not crop_padding and not flip:
        train, test = image_loaders(
            train_set,
            test_set,
            config.batch_size,
            transform=ImageBatch(resize=config.resize),
            device=device,
            seed=seed,
            eval_batch_size=config.eval_batch_size,
        )
        return RunData(train, {"test": test}, input_shape=_grey(config))
    generator = torch.Generator().manual_seed(seed + 1)
    steps: list[Any] = []
    if crop_padding:
        steps.append(RandomCrop(28, crop_padding, generator=generator))
    if flip:
        steps.append(RandomHorizontalFlip(generator=generator))
    train = TensorLoader(
        train_set.images,
        train_set.labels,
        batch_size=config.batch_size,
        shuffle=True,
        seed=seed,
        transform=Compose([*steps, ImageBatch(resize=config.resize)]),
        device=device,
    )
    test = TensorLoader(
        test_set.images,
        test_set.labels,
        batch_size=config.eval_batch_size or config.batch_size,
        transform=ImageBatch(resize=config.resize),
        device=device,
    )
    return RunData(train, {"test": test}, input_shape=_grey(config))


@register_data("mnist", files="mnist")
def _mnist(config: DataConfig, *, device: torch.device, seed: int, root: Root) -> RunData:
    mean, std = MNIST_MEAN_STD
    train, test = image_loaders(
        read_mnist("train", root),
        read_mnist("test", root),
        config.batch_size,
        transform=ImageBatch(resize=config.resize, mean=mean, std=std),
        device=device,
        seed=seed,
        eval_batch_size=config.eval_batch_size,
    )
    return RunData(train, {"test": test}, input_shape=_grey(config))


# --- the handbook: CIFAR-10 ------------------------------------------------------

_HALF = ((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))  # the tutorial's Normalize: pixels to [-1, 1]


def _cifar_loaders(
    train: ImageSet, test: ImageSet, config: DataConfig, device: torch.device, seed: int
) -> RunData:
    mean, std = _HALF
    train_loader, test_loader = image_loaders(
        train,
        test,
        config.batch_size,
        transform=ImageBatch(resize=config.resize, mean=mean, std=std),
        device=device,
        seed=seed,
        eval_batch_size=config.eval_batch_size,
    )
    side = config.resize or 32
    return RunData(
        train_loader,
        {"test": test_loader},
        model_kwargs={"in_channels": 3},
        input_shape=(3, side, side),
    )


@register_data("cifar-10", files="cifar-10")
def _cifar10(config: DataConfig, *, device: torch.device, seed: int, root: Root) -> RunData:
    """CIFAR-10 (50,000 / 10,000), normalised to [-1, 1] as PyTorch's tutorial does."""
    return _cifar_loaders(
        read_cifar10("train", root), read_cifar10("test", root), config, device, seed
    )


@register_data("cifar10-tiny", files="cifar10-tiny")
def _cifar10_tiny(
    config: DataConfig, *, device: torch.device, seed: int, root: Root, test_size: int = 200
) -> RunData:
    """The 1,000 labelled Kaggle images: the last ``test_size`` are held out as the test set."""
    images = read_cifar10_kaggle("train", root)
    if not 0 < test_size < len(images):
        raise ConfigError(
            f"data.test_size = {test_size} must be between 1 and {len(images) - 1}",
            fix="pass e.g. --set data.test_size=200",
        )
    cut = len(images) - test_size
    train = ImageSet(images.images[:cut], images.labels[:cut], CIFAR10_CLASSES)
    test = ImageSet(images.images[cut:], images.labels[cut:], CIFAR10_CLASSES)
    return _cifar_loaders(train, test, config, device, seed)
