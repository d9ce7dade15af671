"""Neural style transfer's pieces (d2l 13.12): VGG-19 features, Gram matrices, the three losses.

The image being synthesised is the only parameter (:class:`SynthesizedImage`);
a frozen ImageNet VGG-19 gives its content (layer 25's activations) and style
(the Gram matrices of layers 0, 5, 10, 19, 28). The loss weighs content 1,
style 1,000 and total variation 10, as the book does, and — as the book's
``sum(10 * styles_l + ...)`` does, repeating the list of style losses ten
times — counts the style term ten times over.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import torch
from torch import nn

from d2lkit.models.pretrained import imagenet_vgg19

__all__ = [
    "CONTENT_LAYERS",
    "STYLE_LAYERS",
    "StyleLoss",
    "SynthesizedImage",
    "content_loss",
    "extract_features",
    "gram",
    "style_loss",
    "tv_loss",
    "vgg19_features",
]

STYLE_LAYERS = (0, 5, 10, 19, 28)  # the first convolution of each of VGG-19's five blocks
CONTENT_LAYERS = (25,)  # the last convolution of the fourth block


def vgg19_features(
    pretrained: bool = True,
    last_layer: int = max(STYLE_LAYERS + CONTENT_LAYERS),
    root: str | os.PathLike[str] | None = None,
    *,
    download: bool = True,
) -> nn.Sequential:
    """VGG-19's feature layers ``0 .. last_layer``, frozen (no gradients) and in eval mode."""
    features = imagenet_vgg19(pretrained, root, download=download).features
    assert isinstance(features, nn.Sequential)
    net = nn.Sequential(*[features[i] for i in range(last_layer + 1)])
    for p in net.parameters():
        p.requires_grad_(False)
    return net.eval()


def extract_features(
    net: nn.Sequential,
    X: torch.Tensor,
    content_layers: Sequence[int] = CONTENT_LAYERS,
    style_layers: Sequence[int] = STYLE_LAYERS,
) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """(content activations, style activations) of ``X`` at the given layers of ``net``."""
    contents, styles = [], []
    for i, layer in enumerate(net):
        X = layer(X)
        if i in style_layers:
            styles.append(X)
        if i in content_layers:
            contents.append(X)
    return contents, styles


def gram(X: torch.Tensor) -> torch.Tensor:
    """The channels' Gram matrix ``(C, C)`` of one image's features ``(1, C, H, W)``, / (C*H*W)."""
    num_channels, n = X.shape[1], X.numel() // X.shape[1]
    X = X.reshape(num_channels, n)
    return (X @ X.T) / (num_channels * n)


def content_loss(Y_hat: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
    """Mean squared difference from the content image's features (a fixed target)."""
    return torch.square(Y_hat - Y.detach()).mean()


def style_loss(Y_hat: torch.Tensor, gram_Y: torch.Tensor) -> torch.Tensor:
    """Mean squared difference of Gram matrices from the style image's (a fixed target)."""
    return torch.square(gram(Y_hat) - gram_Y.detach()).mean()


def tv_loss(Y_hat: torch.Tensor) -> torch.Tensor:
    """Total variation: half the sum of mean absolute differences of neighbours, down and across."""
    return 0.5 * (
        torch.abs(Y_hat[:, :, 1:, :] - Y_hat[:, :, :-1, :]).mean()
        + torch.abs(Y_hat[:, :, :, 1:] - Y_hat[:, :, :, :-1]).mean()
    )


class StyleLoss:
    """The book's ``compute_loss``: weighted content, style and total-variation losses.

    Calling it returns ``(content losses, style losses, tv loss, total)``; the
    total counts the style losses ``style_repeat`` (10) times, as the book's does.
    """

    def __init__(
        self,
        content_weight: float = 1.0,
        style_weight: float = 1e3,
        tv_weight: float = 10.0,
        style_repeat: int = 10,
    ) -> None:
        self.content_weight, self.style_weight, self.tv_weight = (
            content_weight,
            style_weight,
            tv_weight,
        )
        self.style_repeat = style_repeat

    def __call__(
        self,
        X: torch.Tensor,
        contents_Y_hat: Sequence[torch.Tensor],
        styles_Y_hat: Sequence[torch.Tensor],
        contents_Y: Sequence[torch.Tensor],
        styles_Y_gram: Sequence[torch.Tensor],
    ) -> tuple[list[torch.Tensor], list[torch.Tensor], torch.Tensor, torch.Tensor]:
        contents_l = [
            content_loss(Y_hat, Y) * self.content_weight
            for Y_hat, Y in zip(contents_Y_hat, contents_Y, strict=True)
        ]
        styles_l = [
            style_loss(Y_hat, Y) * self.style_weight
            for Y_hat, Y in zip(styles_Y_hat, styles_Y_gram, strict=True)
        ]
        tv_l = tv_loss(X) * self.tv_weight
        total = self.style_repeat * sum(styles_l) + sum(contents_l) + tv_l
        return contents_l, styles_l, tv_l, torch.as_tensor(total)


class SynthesizedImage(nn.Module):
    """The image being synthesised, as the module's one parameter ``weight`` of ``img_shape``."""

    def __init__(self, img_shape: Sequence[int]) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.rand(*img_shape))

    def forward(self) -> torch.Tensor:
        return self.weight
