"""ImageNet-trained networks with a new output for a small data set (d2l 13.2, 13.14).

- :func:`resnet18_finetune` (13.2, hot dogs): torchvision's ResNet-18 whose
  1,000-way output layer is replaced by a Xavier-initialised ``num_classes``
  one. Its parameters carry ``lr_scale`` (:data:`LR_SCALE`): the optimiser
  builder gives them ten times the learning rate of the pretrained layers,
  as the book's ``param_group=True`` does.
- :func:`resnet34_dog` (13.14, dog breeds): the whole ResNet-34 as frozen
  ``features`` (its 1,000 ImageNet scores are the input) and a small new
  ``output_new`` network, the only part trained.

Weights come from d2lkit's store (:mod:`d2lkit.models.pretrained`);
``pretrained=False`` builds the same networks with random weights.
"""

from __future__ import annotations

import os

import torch
from torch import nn

from d2lkit.models.pretrained import imagenet_resnet18, imagenet_resnet34
from d2lkit.models.registry import register_model

__all__ = [
    "LR_SCALE",
    "DogBreedNet",
    "mark_lr_scale",
    "resnet18_finetune",
    "resnet18_finetune_tiny",
    "resnet34_dog",
    "resnet34_dog_tiny",
]

Root = str | os.PathLike[str] | None
# A parameter attribute: train it at optim.lr times this (see experiments.builders.optimizers).
LR_SCALE = "lr_scale"


def mark_lr_scale(module: nn.Module, scale: float) -> None:
    """Ask for ``scale`` times the learning rate on every parameter of ``module``."""
    for param in module.parameters():
        setattr(param, LR_SCALE, float(scale))


def _new_output(net: nn.Module, num_classes: int, output_lr_scale: float) -> nn.Module:
    old = net.fc
    assert isinstance(old, nn.Linear)
    fc = nn.Linear(old.in_features, num_classes)
    nn.init.xavier_uniform_(fc.weight)
    if output_lr_scale != 1.0:
        mark_lr_scale(fc, output_lr_scale)
    net.fc = fc
    return net


@register_model
def resnet18_finetune(
    num_classes: int = 2, pretrained: bool = True, output_lr_scale: float = 10.0, root: Root = None
) -> nn.Module:
    """13.2's ``finetune_net``: ImageNet ResNet-18, a new Xavier output layer at 10x the lr.

    ``pretrained=False, output_lr_scale=1`` is the book's ``scratch_net`` comparison.
    """
    return _new_output(imagenet_resnet18(pretrained, root), num_classes, output_lr_scale)


@register_model
def resnet18_finetune_tiny(num_classes: int = 2, output_lr_scale: float = 10.0) -> nn.Module:
    """A random ResNet-18's layout with a new output layer, as the fine-tuning recipe marks it."""
    import torchvision  # type: ignore[import-untyped]

    return _new_output(torchvision.models.resnet18(weights=None), num_classes, output_lr_scale)


class DogBreedNet(nn.Module):
    """Frozen ``features`` (an ImageNet classifier) and a trainable ``output_new`` on its scores."""

    def __init__(self, features: nn.Module, num_inputs: int, num_classes: int) -> None:
        super().__init__()
        self.features = features
        self.output_new = nn.Sequential(
            nn.Linear(num_inputs, 256), nn.ReLU(), nn.Linear(256, num_classes)
        )
        for param in self.features.parameters():
            param.requires_grad_(False)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.output_new(self.features(X))


@register_model
def resnet34_dog(num_classes: int = 120, pretrained: bool = True, root: Root = None) -> nn.Module:
    """13.14's ``get_net``: frozen ImageNet ResNet-34, then Linear(1000, 256), ReLU, Linear."""
    return DogBreedNet(imagenet_resnet34(pretrained, root), 1000, num_classes)


@register_model
def resnet34_dog_tiny(num_classes: int = 120) -> nn.Module:
    """The dog-breed network on a tiny frozen convolutional body, for fast tests."""
    body = nn.Sequential(
        nn.Conv2d(3, 4, 3, stride=4), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Linear(4, 16),
    )  # fmt: skip
    return DogBreedNet(body, 16, num_classes)
