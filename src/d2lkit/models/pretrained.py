"""ImageNet-trained torchvision models whose weights come from d2lkit's store.

torchvision's ``resnet18(pretrained=True)`` would download through torch.hub
into its own cache, with a raw traceback when offline. Here the weights are a
catalog entry like any data file (:data:`d2lkit.data.catalog.RESNET18_IMAGENET`,
``VGG19_IMAGENET``): verified before use, kept in the data directory,
downloaded on first use unless downloads are off, and when they cannot be had,
the store's one message names the file, its URL and the folder to put it in.
"""

from __future__ import annotations

import os
from typing import Any

import torch
from torch import nn

from d2lkit.data.access import require
from d2lkit.data.catalog import DATASETS
from d2lkit.errors import DataError

__all__ = [
    "WEIGHTS",
    "catalogued_weights",
    "imagenet_resnet18",
    "imagenet_resnet34",
    "imagenet_vgg19",
    "load_weights",
    "load_weights_file",
]

# model -> (data set, file) in the catalog
WEIGHTS = {
    "resnet18": ("resnet18-imagenet", "resnet18-f37072fd.pth"),
    "resnet34": ("resnet34-imagenet", "resnet34-b627a593.pth"),
    "vgg19": ("vgg19-imagenet", "vgg19-dcbb9e9d.pth"),
}


def catalogued_weights(url: str) -> tuple[str, str] | None:
    """(data set, file) of the catalog entry whose file name ends ``url``, if any."""
    name = url.rsplit("/", 1)[-1]
    for dataset in DATASETS.values():
        for entry in dataset.files:
            if entry.name == name and name.endswith((".pth", ".pt")):
                return dataset.name, entry.name
    return None


def load_weights(
    model: str, root: str | os.PathLike[str] | None = None, *, download: bool = True
) -> dict[str, Any]:
    """The verified state dict of ``model``'s ImageNet weights (a key of :data:`WEIGHTS`)."""
    dataset, file = WEIGHTS[model]
    return load_weights_file(dataset, file, root, download=download)


def load_weights_file(
    dataset: str,
    file: str,
    root: str | os.PathLike[str] | None = None,
    *,
    download: bool = True,
    map_location: Any = "cpu",
) -> dict[str, Any]:
    """A catalogued weights file, verified, as a state dict (``torch.load(weights_only=True)``)."""
    path = require(dataset, file, root, download=download)
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except (RuntimeError, OSError, EOFError) as exc:
        raise DataError(
            f"{path} is not a loadable state dict ({str(exc).splitlines()[0][:200]})",
            fix=f"delete it and run `d2lkit data fetch {dataset}`",
        ) from None
    if not isinstance(state, dict):
        raise DataError(
            f"{path} holds a {type(state).__name__}, not a state dict",
            fix=f"delete it and run `d2lkit data fetch {dataset}`",
        )
    return state


def imagenet_resnet18(
    pretrained: bool = True, root: str | os.PathLike[str] | None = None, *, download: bool = True
) -> nn.Module:
    """torchvision's ResNet-18 (1,000 ImageNet classes), with trained weights if ``pretrained``."""
    import torchvision  # type: ignore[import-untyped]

    net = torchvision.models.resnet18(weights=None)
    if pretrained:
        net.load_state_dict(load_weights("resnet18", root, download=download))
    return net


def imagenet_resnet34(
    pretrained: bool = True, root: str | os.PathLike[str] | None = None, *, download: bool = True
) -> nn.Module:
    """torchvision's ResNet-34 (1,000 ImageNet classes), with trained weights if ``pretrained``."""
    import torchvision

    net = torchvision.models.resnet34(weights=None)
    if pretrained:
        net.load_state_dict(load_weights("resnet34", root, download=download))
    return net


def imagenet_vgg19(
    pretrained: bool = True, root: str | os.PathLike[str] | None = None, *, download: bool = True
) -> nn.Module:
    """torchvision's VGG-19, with its trained ImageNet weights if ``pretrained``."""
    import torchvision

    net = torchvision.models.vgg19(weights=None)
    if pretrained:
        net.load_state_dict(load_weights("vgg19", root, download=download))
    return net
