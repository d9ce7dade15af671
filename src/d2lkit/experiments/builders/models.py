"""A run's model: built from ``model.*``, initialised, and checked against the data's input.

A model that cannot take the data's examples (AlexNet's 11x11 stride-4 stem on
28-pixel images) fails inside torch with a shape error at the first step, after
a run folder was made. :func:`check_input` runs one tiny batch of zeros through
the model first, in evaluation mode and without gradients, so no random state
moves, and turns such a failure into one message naming the model, the input
and the smallest image side that works.
"""

from __future__ import annotations

import inspect
from typing import Any

import torch
from torch import nn

from d2lkit.errors import ConfigError
from d2lkit.experiments.builders.data import RunData, unaugmented_train_images
from d2lkit.experiments.config import RunConfig
from d2lkit.models import create_model, init_weights, model_entry, whiten_first_conv

__all__ = ["build_model", "check_input"]

_SIDES = (32, 64, 96, 128, 224)  # image sides tried to name the smallest that fits


def build_model(config: RunConfig, data: RunData, label: str) -> nn.Module:
    """``model.name`` with the data's arguments and the recipe's, initialised and checked.

    After the initialisation, the data may put what it brings into the model
    (:attr:`RunData.prepare_model`: pretrained word vectors for its vocabulary).
    """
    model = _created(config.model.name, {**_from_data(config, data), **config.model.kwargs})
    if data.input_shape is not None:
        check_input(model, data.input_shape, config.model.name, label)
    if config.model.init:
        init_weights(model, config.model.init)
    if data.prepare_model is not None:  # pretrained vectors for the data's vocabulary
        data.prepare_model(model)
    if config.model.whiten:  # 200,000 of the 3.9 million 3x3 patches of 5,000 images
        images = unaugmented_train_images(data, 5000)
        whiten_first_conv(model, images, seed=config.train.seed)
    return model


def _created(name: str, kwargs: dict[str, Any]) -> nn.Module:
    """The model, or one message naming the arguments it cannot be built with (a size too
    large to allocate, a value of the right type its layers refuse)."""
    try:
        return create_model(name, **kwargs)
    except (RuntimeError, ValueError, MemoryError) as exc:
        shown = ", ".join(f"{k}={v!r}" for k, v in kwargs.items() if k != "root")
        raise ConfigError(
            f"model {name!r} cannot be built with {shown or 'its defaults'}: "
            f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}",
            fix="correct the model.* settings (`d2lkit show RECIPE` lists them and their defaults)",
        ) from exc


def _from_data(config: RunConfig, data: RunData) -> dict[str, Any]:
    """The data's arguments for the model; its data directory (``root``, where pretrained
    weights are kept) only for a model that takes one."""
    kwargs = dict(data.model_kwargs)
    if (
        "root" in kwargs
        and "root" not in inspect.signature(model_entry(config.model.name)).parameters
    ):
        del kwargs["root"]
    return kwargs


def _fits(model: nn.Module, shape: tuple[int, ...]) -> bool:
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(torch.zeros(2, *shape))
        return True
    except (RuntimeError, ValueError):
        return False
    finally:
        model.train(was_training)


def check_input(model: nn.Module, shape: tuple[int, ...], name: str, recipe: str) -> None:
    """Refuse a model that cannot take examples of ``shape`` ``(C, H, W)``, naming the fix."""
    if _fits(model, shape):
        return
    channels, *sides = shape
    shown = "x".join(map(str, sides))
    fits = [s for s in _SIDES if s > max(sides) and _fits(model, (channels, s, s))]
    if fits:
        fix = f"resize the images: --set data.resize={fits[0]} (or more), or choose another model"
        need = f"it needs images of at least {fits[0]}x{fits[0]}"
    else:
        fix = "choose a model made for this data (`d2lkit list --models`)"
        need = "no image size up to 224 fits it"
    raise ConfigError(
        f"model {name!r} cannot take the input of {recipe!r}: {channels}-channel {shown} "
        f"images ({need})",
        fix=fix,
    )
