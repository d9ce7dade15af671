"""Choosing the memory format of image batches: NCHW (PyTorch's default) or NHWC.

``channels_last`` (NHWC) makes oneDNN's CPU convolutions faster for most
networks of chapter 7 at the book's image sizes, and slower for the small
batch-normalised LeNet at 28 px. Measured on the project's 2-core CPU
(docs/training.md, "Memory format"):

- per training step: VGG-11/4 at 224 px 1.14-1.29x, GoogLeNet, ResNet-18 and
  DenseNet at 96 px 1.03-1.49x, AlexNet and NiN at 224 px 0.97-1.16x (from
  run to run; the benchmark tables in docs/training.md and docs/benchmarks.md);
- the book's whole VGG and NiN sections: 1.34x and 1.32x;
- LeNet-BN at 28 px: 0.82x.

So ``"auto"`` means NHWC on a CPU for images of :data:`AUTO_MIN_SIDE` pixels
or more a side, and only for a model that accepts it: a network that reshapes
with ``Tensor.view`` fails on NHWC activations and keeps the default format.
A model with lazy layers (``nn.LazyConv2d`` ...) first takes its shapes from one
example, since an uninitialised parameter cannot change its memory format.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn
from torch.nn.parameter import is_lazy

from d2lkit.errors import ConfigError

__all__ = ["AUTO_MIN_SIDE", "accepts_channels_last", "check_setting", "wants_channels_last"]

log = logging.getLogger(__name__)

AUTO_MIN_SIDE = 64  # the smallest image side for which "auto" picks NHWC on a CPU
SETTINGS = (False, True, "auto")


def check_setting(value: bool | str) -> bool | str:
    """``channels_last`` must be True, False or ``"auto"``."""
    if value not in SETTINGS or (isinstance(value, int) and not isinstance(value, bool)):
        raise ConfigError(
            f"channels_last must be true, false or 'auto', got {value!r}",
            fix="pass channels_last=True, False or 'auto' (--set train.channels_last=auto)",
        )
    return value


def _first_image(batch: Sequence[Any]) -> torch.Tensor | None:
    for t in batch:
        if isinstance(t, torch.Tensor) and t.dim() == 4 and t.is_floating_point():
            return t
    return None


def accepts_channels_last(model: nn.Module, images: torch.Tensor) -> bool:
    """Whether ``model`` (already in NHWC) runs one image in NHWC, without side effects.

    One example, evaluation mode, no gradients: no batch-norm statistics move
    and no dropout draws from the random generator.
    """
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(images[:1].contiguous(memory_format=torch.channels_last))
    except (RuntimeError, ValueError) as exc:
        log.info("the model does not take channels_last input (%s): NCHW it is", exc)
        return False
    finally:
        model.train(was_training)
    return True


def _materialized(model: nn.Module, images: torch.Tensor) -> bool:
    """Give lazy layers their shapes with one example (eval mode, no gradients); False if it fails.

    The first forward pass would do the same; doing it on one example leaves
    batch-norm statistics and dropout's random draws untouched.
    """
    if not any(is_lazy(p) for p in model.parameters()):
        return True
    return accepts_channels_last(model, images.contiguous())


def wants_channels_last(model: Any, batch: Sequence[Any], device: torch.device) -> bool:
    """The ``"auto"`` choice for a model and its first batch (see the module's docstring).

    On True the model has been converted to NHWC; on False it is as it was.
    """
    images = _first_image(batch)
    if device.type != "cpu" or images is None or not isinstance(model, nn.Module):
        return False
    if min(images.shape[-2:]) < AUTO_MIN_SIDE:
        return False
    if not _materialized(model, images):
        return False
    model.to(memory_format=torch.channels_last)
    if accepts_channels_last(model, images):
        return True
    model.to(memory_format=torch.contiguous_format)
    return False
