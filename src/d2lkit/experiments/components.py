"""Names in a config -> the objects a run needs: data, losses, optimisers.

Each kind is a :class:`~d2lkit.registry.Registry`, so a typo suggests close
names and ``list()`` shows them all. A data builder returns :class:`RunData`:
the loaders, plus what the model and task must be built with (a vocabulary
size, the ``<bos>`` index) and what callbacks may use (the vocabularies).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from d2lkit import scratch
from d2lkit.data import ImageSet, TensorLoader, image_loaders, read_fashion_mnist, read_mnist
from d2lkit.data.transforms import Compose, ImageBatch, RandomCrop, RandomHorizontalFlip
from d2lkit.data.vision import MNIST_MEAN_STD
from d2lkit.errors import ConfigError
from d2lkit.experiments.config import DataConfig, OptimConfig
from d2lkit.registry import Registry

__all__ = [
    "DATA",
    "LOSSES",
    "LOSSES_FOR_TASK",
    "OPTIMIZERS",
    "RunData",
    "build_data",
    "build_loss",
    "build_optimizer",
]

Root = str | os.PathLike[str] | None


@dataclass
class RunData:
    """What a data builder hands the runner.

    Attributes:
        train: the training loader.
        evals: named evaluation loaders, e.g. ``{"test": loader}``.
        model_kwargs: arguments the model needs from the data (``vocab_size`` ...);
            a recipe's own ``model.*`` settings win over them.
        task_kwargs: arguments the task needs (``bos``, ``random_sampling``).
        extras: anything callbacks may use (vocabularies, held-out pairs).
    """

    train: Any
    evals: dict[str, Any]
    model_kwargs: dict[str, Any] = field(default_factory=dict)
    task_kwargs: dict[str, Any] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)


def unaugmented_train_images(data: RunData, count: int) -> torch.Tensor:
    """The first ``count`` training images as the model sees them, without augmentation.

    They go through the evaluation loader's transform, the deterministic part of
    the training one (scaling, resizing, normalising; no crops or flips).
    """
    evaluation = next(iter(data.evals.values()), None)
    images = getattr(data.train, "tensors", (None,))[0]
    if images is None or images.dim() != 4 or evaluation is None:
        raise ConfigError(
            "model.whiten needs an image data set (training images of shape B, C, H, W)",
            fix="use it with fashion-mnist, mnist or CIFAR-10, or leave model.whiten off",
        )
    transform = getattr(evaluation, "transform", None)
    sample = images[:count]
    return transform(sample) if transform is not None else sample.float()


# A builder: (config, *, device, seed, root, **the data set's own settings) -> RunData.
DataBuilder = Callable[..., RunData]
DATA: Registry[DataBuilder] = Registry("data set for recipes")


def _first(images: ImageSet, limit: int | None) -> ImageSet:
    """The first ``limit`` examples (all when None): a quick run on a CPU."""
    if limit is None:
        return images
    if limit < 1:
        raise ConfigError(f"data.limit = {limit} is not allowed", fix="pass at least 1")
    return dataclasses.replace(images, images=images.images[:limit], labels=images.labels[:limit])


@DATA.register("fashion-mnist")
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
        return RunData(train, {"test": test})
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
    return RunData(train, {"test": test})


@DATA.register("mnist")
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
    return RunData(train, {"test": test})


def build_data(
    config: DataConfig, *, device: torch.device, seed: int, root: Root = None
) -> RunData:
    """The loaders (and what model and task need from the data) for ``config.dataset``."""
    builder = DATA.get(config.dataset)
    return builder(config, device=device, seed=seed, root=root, **config.kwargs)


LossFn = Callable[..., torch.Tensor]
LOSSES: Registry[Callable[[], LossFn]] = Registry("loss")
LOSSES.add("cross_entropy", nn.CrossEntropyLoss)
# Label smoothing 0.1: the targets put 0.9 on the label, the rest spread evenly (fast recipes).
LOSSES.add("cross_entropy_smooth", lambda: nn.CrossEntropyLoss(label_smoothing=0.1))
LOSSES.add("cross_entropy_scratch", lambda: scratch.cross_entropy)
# One loss per token: the seq2seq task masks the padding, then averages.
LOSSES.add("masked_cross_entropy", lambda: nn.CrossEntropyLoss(reduction="none"))
LOSSES.add("mse", nn.MSELoss)
LOSSES.add("squared_loss_scratch", lambda: scratch.squared_loss)
LOSSES.add("bce_with_logits", nn.BCEWithLogitsLoss)
LOSSES.add("bce", nn.BCELoss)
# The course's BCELoss(size_average=False): summed over the batch, as it teaches.
LOSSES.add("bce_sum", lambda: nn.BCELoss(reduction="sum"))


# Which losses fit a task's batches: a mismatch fails at the first step with a shape
# error deep in torch, so it is caught when the run is built.
LOSSES_FOR_TASK: dict[str, tuple[str, ...]] = {
    "classification": ("cross_entropy", "cross_entropy_scratch", "cross_entropy_smooth"),
    "regression": ("mse", "squared_loss_scratch", "bce", "bce_sum", "bce_with_logits"),
    "language_model": ("cross_entropy", "cross_entropy_scratch"),
    "seq2seq": ("masked_cross_entropy",),
}


def build_loss(name: str, task: str | None = None) -> LossFn:
    """The loss called ``name``; with ``task``, refuse one that cannot fit its batches."""
    make = LOSSES.get(name)
    fitting = LOSSES_FOR_TASK.get(task or "")
    if fitting is not None and name not in fitting:
        raise ConfigError(
            f"the loss {name!r} does not fit the {task} task",
            fix=f"use train.loss={' or '.join(fitting)}, or another train.task",
        )
    return make()


Params = Iterable[nn.Parameter]
OptimizerBuilder = Callable[[Params, OptimConfig], torch.optim.Optimizer]
OPTIMIZERS: Registry[OptimizerBuilder] = Registry("optimizer")


def _eps(c: OptimConfig, default: float) -> float:
    return default if c.eps is None else c.eps


def _no_momentum(name: str, c: OptimConfig) -> None:
    if c.momentum:
        raise ConfigError(f"{name} takes no momentum", fix="use optim.name=sgd or momentum")


@OPTIMIZERS.register("sgd")
def _sgd(params: Params, c: OptimConfig) -> torch.optim.Optimizer:
    return torch.optim.SGD(
        params, lr=c.lr, momentum=c.momentum, weight_decay=c.weight_decay, nesterov=c.nesterov
    )


@OPTIMIZERS.register("adam")
def _adam(params: Params, c: OptimConfig) -> torch.optim.Optimizer:
    _no_momentum("adam", c)
    return torch.optim.Adam(
        params, lr=c.lr, betas=(c.beta1, c.beta2), eps=_eps(c, 1e-8), weight_decay=c.weight_decay
    )


@OPTIMIZERS.register("adamw")
def _adamw(params: Params, c: OptimConfig) -> torch.optim.Optimizer:
    _no_momentum("adamw", c)
    return torch.optim.AdamW(
        params, lr=c.lr, betas=(c.beta1, c.beta2), eps=_eps(c, 1e-8), weight_decay=c.weight_decay
    )


@OPTIMIZERS.register("adagrad")
def _adagrad(params: Params, c: OptimConfig) -> torch.optim.Optimizer:
    _no_momentum("adagrad", c)
    return torch.optim.Adagrad(params, lr=c.lr, eps=_eps(c, 1e-10), weight_decay=c.weight_decay)


@OPTIMIZERS.register("rmsprop")
def _rmsprop(params: Params, c: OptimConfig) -> torch.optim.Optimizer:
    return torch.optim.RMSprop(
        params,
        lr=c.lr,
        alpha=c.alpha,
        eps=_eps(c, 1e-8),
        weight_decay=c.weight_decay,
        momentum=c.momentum,
    )


@OPTIMIZERS.register("adadelta")
def _adadelta(params: Params, c: OptimConfig) -> torch.optim.Optimizer:
    _no_momentum("adadelta", c)
    return torch.optim.Adadelta(
        params, lr=c.lr, rho=c.rho, eps=_eps(c, 1e-6), weight_decay=c.weight_decay
    )


@OPTIMIZERS.register("sgd_scratch")
def _sgd_scratch(params: Params, c: OptimConfig) -> torch.optim.Optimizer:
    _no_momentum("sgd_scratch", c)
    return scratch.SGD(params, lr=c.lr, weight_decay=c.weight_decay)


@OPTIMIZERS.register("momentum_scratch")
def _momentum_scratch(params: Params, c: OptimConfig) -> torch.optim.Optimizer:
    return scratch.Momentum(params, lr=c.lr, momentum=c.momentum, weight_decay=c.weight_decay)


@OPTIMIZERS.register("adagrad_scratch")
def _adagrad_scratch(params: Params, c: OptimConfig) -> torch.optim.Optimizer:
    _no_momentum("adagrad_scratch", c)
    return scratch.AdaGrad(params, lr=c.lr, eps=_eps(c, 1e-10), weight_decay=c.weight_decay)


@OPTIMIZERS.register("rmsprop_scratch")
def _rmsprop_scratch(params: Params, c: OptimConfig) -> torch.optim.Optimizer:
    _no_momentum("rmsprop_scratch", c)
    return scratch.RMSProp(
        params, lr=c.lr, alpha=c.alpha, eps=_eps(c, 1e-8), weight_decay=c.weight_decay
    )


@OPTIMIZERS.register("adadelta_scratch")
def _adadelta_scratch(params: Params, c: OptimConfig) -> torch.optim.Optimizer:
    _no_momentum("adadelta_scratch", c)
    return scratch.AdaDelta(
        params, lr=c.lr, rho=c.rho, eps=_eps(c, 1e-6), weight_decay=c.weight_decay
    )


@OPTIMIZERS.register("adam_scratch")
def _adam_scratch(params: Params, c: OptimConfig) -> torch.optim.Optimizer:
    _no_momentum("adam_scratch", c)
    return scratch.Adam(
        params, lr=c.lr, betas=(c.beta1, c.beta2), eps=_eps(c, 1e-8), weight_decay=c.weight_decay
    )


@OPTIMIZERS.register("yogi_scratch")
def _yogi_scratch(params: Params, c: OptimConfig) -> torch.optim.Optimizer:
    _no_momentum("yogi_scratch", c)
    return scratch.Yogi(
        params, lr=c.lr, betas=(c.beta1, c.beta2), eps=_eps(c, 1e-3), weight_decay=c.weight_decay
    )


def build_optimizer(config: OptimConfig, params: Params) -> torch.optim.Optimizer:
    return OPTIMIZERS.get(config.name)(params, config)


# Data builders of other chapters register themselves when imported (they need torch).
from d2lkit.experiments import small_data as _small_data  # noqa: E402, F401
from d2lkit.experiments import tabular_data as _tabular_data  # noqa: E402, F401
from d2lkit.experiments import text_data as _text_data  # noqa: E402, F401
