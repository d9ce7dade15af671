"""Data builders of chapter 11 and the courses: airfoil, diabetes, toy tables, CIFAR-10.

Imported at the bottom of :mod:`d2lkit.experiments.components`, which
registers these builders in ``DATA``. Each takes the config's ``data`` section
and returns :class:`~d2lkit.experiments.components.RunData`.
"""

from __future__ import annotations

import torch
from torch.utils.data import DataLoader, Dataset

from d2lkit.data import (
    CIFAR10_CLASSES,
    ImageBatch,
    ImageSet,
    TensorLoader,
    get_data_ch11,
    image_loaders,
    read_cifar10,
    read_cifar10_kaggle,
    read_diabetes,
)
from d2lkit.errors import ConfigError
from d2lkit.experiments.components import DATA, Root, RunData
from d2lkit.experiments.config import DataConfig

__all__ = ["DiabetesDataset"]

# --- chapter 11: airfoil ------------------------------------------------------


@DATA.register("airfoil")
def _airfoil(
    config: DataConfig, *, device: torch.device, seed: int, root: Root, n: int = 1500
) -> RunData:
    """The book's ``get_data_ch11``: the first ``n`` standardised rows, shuffled batches.

    ``extras["full"]`` serves the same rows in one batch: chapter 11 logs the
    loss over the whole training set, not the last batch's.
    """
    train, num_features = get_data_ch11(config.batch_size, n, root=root, seed=seed, device=device)
    X, y = train.tensors
    full = TensorLoader(X, y, batch_size=X.shape[0], device=device)
    return RunData(train, {}, model_kwargs={"num_inputs": num_features}, extras={"full": full})


# --- the course (Liu Er): toy tables and diabetes ------------------------------

# Lesson 6: hours studied -> passed (0/1), three students.
_HOURS = torch.tensor([[1.0], [2.0], [3.0]])
_PASSED = torch.tensor([[0.0], [0.0], [1.0]])


@DATA.register("course-hours")
def _course_hours(config: DataConfig, *, device: torch.device, seed: int, root: Root) -> RunData:
    """The course's three students (hours -> pass), served in order, all in one batch by default."""
    train = TensorLoader(_HOURS, _PASSED, batch_size=config.batch_size, device=device)
    return RunData(train, {}, model_kwargs={"num_inputs": 1})


class DiabetesDataset(Dataset):
    """The course's ``Dataset``: the table read once into memory, one row per index.

    Lesson 8 teaches ``torch.utils.data``: ``__getitem__`` makes the set
    indexable, ``__len__`` sized, and ``DataLoader`` shuffles and batches it.
    """

    def __init__(self, features: torch.Tensor, labels: torch.Tensor) -> None:
        self.x, self.y = features, labels

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.x[index], self.y[index]

    def __len__(self) -> int:
        return self.x.shape[0]


@DATA.register("diabetes")
def _diabetes(
    config: DataConfig, *, device: torch.device, seed: int, root: Root, shuffle: bool = True
) -> RunData:
    """Diabetes (758 x 8 features, 0/1 label) through a ``Dataset`` and a ``DataLoader``.

    ``extras["full"]`` is every row in one batch, for the loss over the whole set.
    """
    features, labels = read_diabetes(root)
    generator = torch.Generator().manual_seed(seed)
    train = DataLoader(
        DiabetesDataset(features, labels),
        batch_size=config.batch_size,
        shuffle=shuffle,
        generator=generator,
        num_workers=0,  # the course uses 2 workers; 758 rows need none
    )
    full = TensorLoader(features, labels, batch_size=features.shape[0], device=device)
    return RunData(train, {}, model_kwargs={"num_inputs": 8}, extras={"full": full})


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
    return RunData(train_loader, {"test": test_loader}, model_kwargs={"in_channels": 3})


@DATA.register("cifar-10")
def _cifar10(config: DataConfig, *, device: torch.device, seed: int, root: Root) -> RunData:
    """CIFAR-10 (50,000 / 10,000), normalised to [-1, 1] as PyTorch's tutorial does."""
    return _cifar_loaders(
        read_cifar10("train", root), read_cifar10("test", root), config, device, seed
    )


@DATA.register("cifar10-tiny")
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
