"""Small tables for recipes: chapter 11's airfoil, the course's three students and diabetes."""

from __future__ import annotations

import torch
from torch.utils.data import DataLoader, Dataset

from d2lkit.data import TensorLoader, get_data_ch11, read_diabetes
from d2lkit.experiments.builders.data import Root, RunData, register_data
from d2lkit.experiments.config import DataConfig

__all__ = ["DiabetesDataset"]

# --- chapter 11: airfoil ------------------------------------------------------


@register_data("airfoil", files="airfoil")
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


@register_data("course-hours")
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


@register_data("diabetes", files="diabetes")
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
