"""Image classification data sets as uint8 tensors, and loaders over them."""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch

from d2lkit.data.idx import parse_idx
from d2lkit.data.loaders import TensorLoader
from d2lkit.data.store import read_bytes, require
from d2lkit.data.transforms import ImageBatch

__all__ = [
    "FASHION_MNIST_CLASSES",
    "MNIST_CLASSES",
    "MNIST_MEAN_STD",
    "ImageSet",
    "fashion_mnist_loaders",
    "image_loaders",
    "read_fashion_mnist",
    "read_mnist",
]

FASHION_MNIST_CLASSES = (
    "t-shirt", "trouser", "pullover", "dress", "coat",
    "sandal", "shirt", "sneaker", "bag", "ankle boot",
)
MNIST_CLASSES = tuple(str(digit) for digit in range(10))
MNIST_MEAN_STD = ((0.1307,), (0.3081,))  # the course notes' normalisation


@dataclass(frozen=True)
class ImageSet:
    """Images (N, C, H, W) uint8, labels (N,) int64 and the class names."""

    images: torch.Tensor
    labels: torch.Tensor
    classes: tuple[str, ...]

    def __len__(self) -> int:
        return self.labels.shape[0]

    def text_labels(self, labels: torch.Tensor | None = None) -> list[str]:
        """Class names for ``labels`` (default: all of this set's labels)."""
        labels = self.labels if labels is None else labels
        return [self.classes[int(i)] for i in labels]


_SPLIT_PREFIX = {"train": "train", "test": "t10k"}


def _read_idx_split(dataset: str, split: str, classes: tuple[str, ...],
                    root: str | os.PathLike[str] | None) -> ImageSet:
    if split not in _SPLIT_PREFIX:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    prefix = _SPLIT_PREFIX[split]
    image_path = require(dataset, f"{prefix}-images-idx3-ubyte.gz", root)
    label_path = require(dataset, f"{prefix}-labels-idx1-ubyte.gz", root)
    images = parse_idx(read_bytes(image_path), str(image_path))
    labels = parse_idx(read_bytes(label_path), str(label_path))
    if images.shape[0] != labels.shape[0]:
        raise ValueError(f"{image_path} has {images.shape[0]} images but {label_path} has "
                         f"{labels.shape[0]} labels")
    return ImageSet(images.unsqueeze(1), labels.long(), classes)


def read_fashion_mnist(split: str = "train", root: str | os.PathLike[str] | None = None
                       ) -> ImageSet:
    """Fashion-MNIST's train (60,000) or test (10,000) split, verified before use."""
    return _read_idx_split("fashion-mnist", split, FASHION_MNIST_CLASSES, root)


def read_mnist(split: str = "train", root: str | os.PathLike[str] | None = None) -> ImageSet:
    """MNIST's train (60,000) or test (10,000) split, through the same IDX reader."""
    return _read_idx_split("mnist", split, MNIST_CLASSES, root)


def image_loaders(
    train: ImageSet,
    test: ImageSet,
    batch_size: int,
    *,
    transform: ImageBatch | None = None,
    device: torch.device | str | None = None,
    seed: int = 0,
    eval_batch_size: int | None = None,
) -> tuple[TensorLoader, TensorLoader]:
    """A shuffled train loader and an ordered test loader over two image sets.

    The test loader may use larger batches (``eval_batch_size``): evaluation
    does not depend on the batch size, only its speed does.
    """
    transform = transform or ImageBatch()
    train_loader = TensorLoader(train.images, train.labels, batch_size=batch_size, shuffle=True,
                                seed=seed, transform=transform, device=device)
    test_loader = TensorLoader(test.images, test.labels, batch_size=eval_batch_size or batch_size,
                               transform=transform, device=device)
    return train_loader, test_loader


def fashion_mnist_loaders(
    batch_size: int,
    resize: int | None = None,
    *,
    root: str | os.PathLike[str] | None = None,
    device: torch.device | str | None = None,
    seed: int = 0,
    eval_batch_size: int | None = None,
) -> tuple[TensorLoader, TensorLoader]:
    """The book's ``load_data_fashion_mnist``: (train, test) loaders of float images."""
    return image_loaders(
        read_fashion_mnist("train", root),
        read_fashion_mnist("test", root),
        batch_size,
        transform=ImageBatch(resize=resize),
        device=device,
        seed=seed,
        eval_batch_size=eval_batch_size,
    )
