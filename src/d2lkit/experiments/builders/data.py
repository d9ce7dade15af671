"""The data sets recipes can name: one registry, each entry with its builder and its files.

A builder turns the config's ``data`` section into :class:`RunData`: the
loaders, plus what the model and task must be built with (a vocabulary size,
the ``<bos>`` index) and what callbacks may use (the vocabularies). An entry
also names the store's data set whose files it reads (``files``), so a run
fetches and verifies exactly those; synthetic sets read none.

Builders register themselves with :func:`register_data` in the modules of
this package; the registry imports them on its first lookup (no module lists
them by hand, and importing one never imports the others).
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import torch

from d2lkit.errors import ConfigError
from d2lkit.experiments.config import DataConfig
from d2lkit.registry import Registry

__all__ = [
    "DATA",
    "DataSpec",
    "Root",
    "RunData",
    "build_data",
    "limit_batches",
    "register_data",
    "unaugmented_train_images",
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
        task_kwargs: arguments the task needs (``bos``, ``random_sampling``);
            the recipe's ``task.*`` settings win over them.
        extras: anything callbacks may use (vocabularies, held-out pairs).
        input_shape: one example's shape as the model sees it, ``(C, H, W)`` for
            images; the model is checked against it before a run folder is made.
        fold_figures: K-fold data only: the held-out figures of a trained fold,
            from a function that predicts rows of the prepared features.
        write_predictions: K-fold data only: write what the final model predicts
            (a Kaggle submission) into a folder; returns the file's name.
        prepare_model: what the data puts into the model once it is built and
            initialised, before the optimiser sees it: pretrained word vectors
            for the data's vocabulary (15.2's GloVe), frozen or not.
    """

    train: Any
    evals: dict[str, Any]
    model_kwargs: dict[str, Any] = field(default_factory=dict)
    task_kwargs: dict[str, Any] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)
    input_shape: tuple[int, ...] | None = None
    fold_figures: Callable[[Callable[..., Any]], dict[str, float]] | None = None
    write_predictions: Callable[[Callable[..., Any], Any], str] | None = None
    prepare_model: Callable[[torch.nn.Module], None] | None = None


# A builder: (config, *, device, seed, root, **the data set's own settings) -> RunData.
DataBuilder = Callable[..., RunData]


@dataclass(frozen=True)
class DataSpec:
    """A data set recipes can name: its builder and the store's files it reads."""

    name: str
    build: DataBuilder
    files: str | None = None  # the store's data set (d2lkit.data.DATASETS); None: synthetic


def _load_builders() -> None:
    """Import every builder module of this package: each registers its data sets."""
    package = importlib.import_module(__package__ or "d2lkit.experiments.builders")
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{module.name}")


DATA: Registry[DataSpec] = Registry(
    "data set for recipes", hint="`d2lkit list` shows the recipes' data", loader=_load_builders
)


def register_data(name: str, files: str | None = None) -> Callable[[DataBuilder], DataBuilder]:
    """Decorator: register a builder as the data set ``name``, reading the store's ``files``."""

    def decorate(build: DataBuilder) -> DataBuilder:
        DATA.add(name, DataSpec(name, build, files))
        return build

    return decorate


@register_data("none")
def _no_data(config: DataConfig, *, device: torch.device, seed: int, root: Root) -> RunData:
    """No data set: a function recipe (a trace, a course's hand-written loop) reads none."""
    raise ConfigError(
        "this recipe reads no data set (data.dataset=none)",
        fix="set data.dataset to a data set for a training recipe",
    )


def build_data(
    config: DataConfig, *, device: torch.device, seed: int, root: Root = None
) -> RunData:
    """The loaders (and what model and task need from the data) for ``config.dataset``."""
    spec = DATA.get(config.dataset)
    data = spec.build(config, device=device, seed=seed, root=root, **config.kwargs)
    return limit_batches(data, config.limit_batches)


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


class _FirstBatches:
    """Serve only the first ``limit`` batches of a loader (``data.limit_batches``: smoke runs).

    Works for any loader; its other attributes and its state pass through.
    """

    def __init__(self, loader: Any, limit: int) -> None:
        self.loader, self.limit = loader, limit

    def __iter__(self) -> Iterator[Any]:
        for i, batch in enumerate(self.loader):
            if i >= self.limit:
                break
            yield batch

    def __len__(self) -> int:
        return min(len(self.loader), self.limit)

    def __getattr__(self, name: str) -> Any:  # state_dict, set_epoch, device ...
        if name == "loader":  # not yet set (a copy being made): no endless recursion
            raise AttributeError(name)
        return getattr(self.loader, name)


def limit_batches(data: RunData, limit: int | None) -> RunData:
    """``data`` whose loaders serve at most ``limit`` batches each (None: all of them)."""
    if limit is None:
        return data
    return dataclasses.replace(
        data,
        train=_FirstBatches(data.train, limit),
        evals={k: _FirstBatches(v, limit) for k, v in data.evals.items()},
    )
