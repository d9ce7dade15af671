"""Names in a config -> the objects a run needs: data loaders, losses, optimisers."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

import torch
from torch import nn

from d2lkit import scratch
from d2lkit.data import TensorLoader, fashion_mnist_loaders, image_loaders, read_mnist
from d2lkit.data.transforms import ImageBatch
from d2lkit.data.vision import MNIST_MEAN_STD
from d2lkit.errors import ConfigError
from d2lkit.experiments.config import DataConfig, OptimConfig

__all__ = ["LOSSES", "OPTIMIZERS", "build_data", "build_loss", "build_optimizer"]


def _mnist_loaders(
    batch_size: int,
    resize: int | None,
    *,
    root: str | os.PathLike[str] | None,
    device: torch.device,
    seed: int,
    eval_batch_size: int | None,
) -> tuple[TensorLoader, TensorLoader]:
    mean, std = MNIST_MEAN_STD
    return image_loaders(
        read_mnist("train", root),
        read_mnist("test", root),
        batch_size,
        transform=ImageBatch(resize=resize, mean=mean, std=std),
        device=device,
        seed=seed,
        eval_batch_size=eval_batch_size,
    )


_DATA = {"fashion-mnist": fashion_mnist_loaders, "mnist": _mnist_loaders}


def build_data(
    config: DataConfig,
    *,
    device: torch.device,
    seed: int,
    root: str | os.PathLike[str] | None = None,
) -> tuple[TensorLoader, dict[str, TensorLoader]]:
    """The train loader and the named evaluation loaders (``{"test": ...}``)."""
    try:
        make = _DATA[config.dataset]
    except KeyError:
        raise ConfigError(
            f"no recipe data for data set {config.dataset!r}", fix=f"use one of: {', '.join(_DATA)}"
        ) from None
    train, test = make(
        config.batch_size,
        config.resize,
        root=root,
        device=device,
        seed=seed,
        eval_batch_size=config.eval_batch_size,
    )
    return train, {"test": test}


LOSSES: dict[str, Callable[[], Callable[[torch.Tensor, torch.Tensor], torch.Tensor]]] = {
    "cross_entropy": nn.CrossEntropyLoss,
    "cross_entropy_scratch": lambda: scratch.cross_entropy,
    "mse": nn.MSELoss,
}


def build_loss(name: str) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    try:
        return LOSSES[name]()
    except KeyError:
        raise ConfigError(
            f"unknown loss {name!r}", fix=f"use one of: {', '.join(LOSSES)}"
        ) from None


def _sgd(params: Iterable[nn.Parameter], c: OptimConfig) -> torch.optim.Optimizer:
    return torch.optim.SGD(params, lr=c.lr, momentum=c.momentum, weight_decay=c.weight_decay)


def _adam(params: Iterable[nn.Parameter], c: OptimConfig) -> torch.optim.Optimizer:
    return torch.optim.Adam(params, lr=c.lr, weight_decay=c.weight_decay)


def _sgd_scratch(params: Iterable[nn.Parameter], c: OptimConfig) -> torch.optim.Optimizer:
    if c.momentum or c.weight_decay:
        raise ConfigError(
            "sgd_scratch is plain SGD: it takes no momentum or weight decay",
            fix="use optim.name=sgd for those",
        )
    return scratch.SGD(params, lr=c.lr)


OPTIMIZERS = {"sgd": _sgd, "adam": _adam, "sgd_scratch": _sgd_scratch}


def build_optimizer(config: OptimConfig, params: Iterable[nn.Parameter]) -> torch.optim.Optimizer:
    try:
        make = OPTIMIZERS[config.name]
    except KeyError:
        raise ConfigError(
            f"unknown optimizer {config.name!r}", fix=f"use one of: {', '.join(OPTIMIZERS)}"
        ) from None
    return make(params, config)
