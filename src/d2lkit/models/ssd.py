"""Single-shot multibox detection, the book's small version (d2l 13.7), and its loss.

A base network of three down-sampling blocks (256 px -> 32 px), then three more
blocks and a global max-pool make five feature maps (32, 16, 8, 4, 1 px). On
each, every pixel gets ``len(sizes) + len(ratios) - 1`` anchors
(:func:`d2lkit.vision.multibox_prior`) and a 3x3 convolution predicts, per
anchor, ``num_classes + 1`` class scores (background first) and 4 offsets.

The loss (:func:`ssd_loss`) is the book's: cross-entropy over every anchor's
class plus the L1 distance of the offsets of anchors that hold an object (a
mask zeroes the rest), both averaged per image. Targets come from
:func:`d2lkit.vision.multibox_target`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import torch
from torch import nn
from torch.nn import functional as F

from d2lkit.models.registry import register_model
from d2lkit.vision import multibox_prior

__all__ = [
    "SSD_RATIOS",
    "SSD_SIZES",
    "SSDLoss",
    "TinySSD",
    "base_net",
    "bbox_eval",
    "bbox_predictor",
    "blk_forward",
    "cls_eval",
    "cls_predictor",
    "concat_preds",
    "down_sample_blk",
    "flatten_pred",
    "get_blk",
    "ssd_loss",
    "tiny_ssd",
    "tiny_ssd_tiny",
]

# The book's anchors: sizes grow from 0.2 to 0.961 over the five maps, ratios 1, 2, 0.5.
SSD_SIZES = ((0.2, 0.272), (0.37, 0.447), (0.54, 0.619), (0.71, 0.79), (0.88, 0.961))
SSD_RATIOS = ((1.0, 2.0, 0.5),) * 5


def cls_predictor(num_inputs: int, num_anchors: int, num_classes: int) -> nn.Conv2d:
    """3x3 convolution: ``num_anchors * (num_classes + 1)`` class scores per pixel."""
    return nn.Conv2d(num_inputs, num_anchors * (num_classes + 1), kernel_size=3, padding=1)


def bbox_predictor(num_inputs: int, num_anchors: int) -> nn.Conv2d:
    """3x3 convolution: 4 offsets per anchor per pixel."""
    return nn.Conv2d(num_inputs, num_anchors * 4, kernel_size=3, padding=1)


def flatten_pred(pred: torch.Tensor) -> torch.Tensor:
    """``(B, C, H, W)`` -> ``(B, H * W * C)``: channels last, so a pixel's anchors stay together."""
    return torch.flatten(pred.permute(0, 2, 3, 1), start_dim=1)


def concat_preds(preds: Sequence[torch.Tensor]) -> torch.Tensor:
    """Predictions of several maps (any sizes) side by side: ``(B, sum of H * W * C)``."""
    return torch.cat([flatten_pred(p) for p in preds], dim=1)


def down_sample_blk(in_channels: int, out_channels: int) -> nn.Sequential:
    """Two (3x3 conv, batch norm, ReLU) then 2x2 max-pooling: height and width halve."""
    layers: list[nn.Module] = []
    for _ in range(2):
        layers += [
            nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(),
        ]
        in_channels = out_channels
    layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers)


def base_net(channels: Sequence[int] = (3, 16, 32, 64)) -> nn.Sequential:
    """Down-sampling blocks between successive ``channels``: 256 px in, 32 px out (book's)."""
    return nn.Sequential(*(down_sample_blk(a, b) for a, b in itertools.pairwise(channels)))


def get_blk(i: int, width: int = 128, base: Sequence[int] = (3, 16, 32, 64)) -> nn.Module:
    """Block ``i`` of five: the base net, down-sampling blocks, a global max-pool last."""
    if i == 0:
        return base_net(base)
    if i == 1:
        return down_sample_blk(base[-1], width)
    if i == 4:
        return nn.AdaptiveMaxPool2d((1, 1))
    return down_sample_blk(width, width)


def blk_forward(
    X: torch.Tensor,
    blk: nn.Module,
    size: Sequence[float],
    ratio: Sequence[float],
    cls_predictor: nn.Module,
    bbox_predictor: nn.Module,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """One scale: the block's feature map, its anchors, class and offset predictions."""
    Y = blk(X)
    anchors = multibox_prior(Y, sizes=size, ratios=ratio)
    return Y, anchors, cls_predictor(Y), bbox_predictor(Y)


class TinySSD(nn.Module):
    """The book's five-scale detector; ``forward`` gives (anchors, class scores, offsets).

    Shapes for ``(B, 3, 256, 256)`` input with the book's anchors: anchors
    ``(1, 5444, 4)``, class scores ``(B, 5444, num_classes + 1)``, offsets
    ``(B, 5444 * 4)``.
    """

    def __init__(
        self,
        num_classes: int,
        sizes: Sequence[Sequence[float]] = SSD_SIZES,
        ratios: Sequence[Sequence[float]] = SSD_RATIOS,
        width: int = 128,
        base: Sequence[int] = (3, 16, 32, 64),
    ) -> None:
        super().__init__()
        if len(sizes) != 5 or len(ratios) != 5:
            raise ValueError("TinySSD has five scales: give five sizes and five ratios lists")
        self.num_classes = num_classes
        self.sizes = [list(s) for s in sizes]
        self.ratios = [list(r) for r in ratios]
        in_channels = [base[-1], width, width, width, width]
        for i in range(5):
            num_anchors = len(self.sizes[i]) + len(self.ratios[i]) - 1
            setattr(self, f"blk_{i}", get_blk(i, width, base))
            setattr(self, f"cls_{i}", cls_predictor(in_channels[i], num_anchors, num_classes))
            setattr(self, f"bbox_{i}", bbox_predictor(in_channels[i], num_anchors))

    def forward(self, X: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        anchors, cls_preds, bbox_preds = [], [], []
        for i in range(5):
            X, a, c, b = blk_forward(
                X, getattr(self, f"blk_{i}"), self.sizes[i], self.ratios[i],
                getattr(self, f"cls_{i}"), getattr(self, f"bbox_{i}"),
            )  # fmt: skip
            anchors.append(a)
            cls_preds.append(c)
            bbox_preds.append(b)
        scores = concat_preds(cls_preds)
        return (
            torch.cat(anchors, dim=1),  # (1, A, 4)
            scores.reshape(scores.shape[0], -1, self.num_classes + 1),  # (B, A, C + 1)
            concat_preds(bbox_preds),  # (B, A * 4)
        )


@register_model
def tiny_ssd(num_classes: int = 1) -> nn.Module:
    """TinySSD as in d2l 13.7 (bananas: one class)."""
    return TinySSD(num_classes)


@register_model
def tiny_ssd_tiny(num_classes: int = 1) -> nn.Module:
    """TinySSD's five scales with 4 to 16 channels, for fast tests."""
    return TinySSD(num_classes, width=16, base=(3, 4, 8, 16))


def ssd_loss(
    cls_preds: torch.Tensor,
    cls_labels: torch.Tensor,
    bbox_preds: torch.Tensor,
    bbox_labels: torch.Tensor,
    bbox_masks: torch.Tensor,
) -> torch.Tensor:
    """The book's per-image loss ``(B,)``: mean class cross-entropy + mean masked L1 offset.

    Args:
        cls_preds: ``(B, A, C + 1)`` scores; ``cls_labels``: ``(B, A)`` classes (0 = background).
        bbox_preds, bbox_labels, bbox_masks: ``(B, A * 4)``.
    """
    batch, num_classes = cls_preds.shape[0], cls_preds.shape[2]
    cls = F.cross_entropy(
        cls_preds.reshape(-1, num_classes), cls_labels.reshape(-1), reduction="none"
    ).reshape(batch, -1)
    bbox = F.l1_loss(bbox_preds * bbox_masks, bbox_labels * bbox_masks, reduction="none")
    return cls.mean(dim=1) + bbox.mean(dim=1)


class SSDLoss(nn.Module):
    """:func:`ssd_loss` as a module (per-image values; take ``.mean()`` to backpropagate)."""

    def forward(
        self,
        cls_preds: torch.Tensor,
        cls_labels: torch.Tensor,
        bbox_preds: torch.Tensor,
        bbox_labels: torch.Tensor,
        bbox_masks: torch.Tensor,
    ) -> torch.Tensor:
        return ssd_loss(cls_preds, cls_labels, bbox_preds, bbox_labels, bbox_masks)


def cls_eval(cls_preds: torch.Tensor, cls_labels: torch.Tensor) -> torch.Tensor:
    """How many anchors' classes are right (argmax over the last dimension)."""
    return (cls_preds.argmax(dim=-1).to(cls_labels.dtype) == cls_labels).sum()


def bbox_eval(
    bbox_preds: torch.Tensor, bbox_labels: torch.Tensor, bbox_masks: torch.Tensor
) -> torch.Tensor:
    """The summed absolute offset error of the anchors that hold an object."""
    return torch.abs((bbox_labels - bbox_preds) * bbox_masks).sum()
