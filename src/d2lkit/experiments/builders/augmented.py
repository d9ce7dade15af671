"""Image data with the book's augmentation (13.1 CIFAR-10 flips, 13.2 hot dogs), for recipes.

Images stay uint8 in memory; each training batch is augmented where it lives
(:mod:`d2lkit.data.transforms`, :mod:`d2lkit.data.augment`), every draw from
a generator seeded by the run's seed. Evaluation batches are never augmented.
"""

from __future__ import annotations

from typing import Any

import torch

from d2lkit.data.augment import CenterCrop, RandomResizedCrop
from d2lkit.data.image_folder import read_hotdog
from d2lkit.data.loaders import TensorLoader
from d2lkit.data.segmentation import IMAGENET_MEAN_STD
from d2lkit.data.transforms import Compose, ImageBatch, RandomHorizontalFlip
from d2lkit.data.vision import ImageSet, read_cifar10
from d2lkit.experiments.builders.data import Root, RunData, register_data
from d2lkit.experiments.config import DataConfig

__all__ = ["augmented_run_data"]


def augmented_run_data(
    train: ImageSet,
    test: ImageSet,
    config: DataConfig,
    *,
    train_transform: Any,
    test_transform: Any,
    device: torch.device,
    seed: int,
    input_shape: tuple[int, int, int],
    model_kwargs: dict[str, Any],
) -> RunData:
    """A shuffled, augmented training loader and a plain test loader; extras for the callbacks."""
    train_loader = TensorLoader(
        train.images, train.labels, batch_size=config.batch_size, shuffle=True, seed=seed,
        transform=train_transform, device=device,
    )  # fmt: skip
    test_loader = TensorLoader(
        test.images, test.labels, batch_size=config.eval_batch_size or config.batch_size,
        transform=test_transform, device=device,
    )  # fmt: skip
    return RunData(
        train_loader,
        {"test": test_loader},
        model_kwargs=model_kwargs,
        extras={"shown": _spread(test, 16), "eval_transform": test_transform},
        input_shape=input_shape,
    )


def _spread(images: ImageSet, n: int) -> ImageSet:
    """``n`` images taken evenly through the set (every class, where they are sorted by class)."""
    index = torch.linspace(0, len(images) - 1, min(n, len(images))).round().long()
    return ImageSet(images.images[index], images.labels[index], images.classes)


@register_data("cifar-10-augmented", files="cifar-10")
def _cifar10_augmented(
    config: DataConfig, *, device: torch.device, seed: int, root: Root, flip: bool = True
) -> RunData:
    """CIFAR-10 as 13.1 trains on it: pixels scaled to [0, 1], no normalisation.

    ``flip``: the book's ``train_augs`` (a random left-right flip); false is its
    ``no_aug`` comparison (an exercise).
    """
    generator = torch.Generator().manual_seed(seed + 1)
    steps: list[Any] = [RandomHorizontalFlip(generator=generator)] if flip else []
    return augmented_run_data(
        read_cifar10("train", root), read_cifar10("test", root), config,
        train_transform=Compose([*steps, ImageBatch()]), test_transform=ImageBatch(),
        device=device, seed=seed, input_shape=(3, 32, 32),
        model_kwargs={"num_classes": 10, "in_channels": 3},
    )  # fmt: skip


@register_data("hotdog", files="hotdog")
def _hotdog(config: DataConfig, *, device: torch.device, seed: int, root: Root) -> RunData:
    """Hot dogs (13.2), photos read at 256 x 256, with the book's augmentation.

    Training: a random crop of 8-100% of the area (aspect 3/4 to 4/3) resized to
    224, a random flip, ImageNet normalisation; test: the central 224 x 224,
    normalised. The book crops the original photos; here they were resized first.
    """
    generator = torch.Generator().manual_seed(seed + 1)
    mean, std = IMAGENET_MEAN_STD
    train_transform = Compose([
        RandomResizedCrop(224, generator=generator),
        RandomHorizontalFlip(generator=generator),
        ImageBatch(mean=mean, std=std),
    ])  # fmt: skip
    kwargs: dict[str, Any] = {"num_classes": 2}
    if root is not None:  # the pretrained weights come from the same data directory
        kwargs["root"] = str(root)
    return augmented_run_data(
        read_hotdog("train", root), read_hotdog("test", root), config,
        train_transform=train_transform,
        test_transform=Compose([CenterCrop(224), ImageBatch(mean=mean, std=std)]),
        device=device, seed=seed, input_shape=(3, 224, 224), model_kwargs=kwargs,
    )  # fmt: skip
