"""GoogLeNet (d2l 7.4): Inception blocks of four parallel paths, for 96x96 Fashion-MNIST."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from d2lkit.models.registry import register_model

__all__ = ["Inception", "googlenet", "googlenet_tiny"]

# Inception settings per stage as in the book: (c1, (c2a, c2b), (c3a, c3b), c4).
_STAGE3 = ((64, (96, 128), (16, 32), 32), (128, (128, 192), (32, 96), 64))
_STAGE4 = (
    (192, (96, 208), (16, 48), 64),
    (160, (112, 224), (24, 64), 64),
    (128, (128, 256), (24, 64), 64),
    (112, (144, 288), (32, 64), 64),
    (256, (160, 320), (32, 128), 128),
)
_STAGE5 = ((256, (160, 320), (32, 128), 128), (384, (192, 384), (48, 128), 128))


class Inception(nn.Module):
    """Four paths concatenated on channels: 1x1; 1x1 then 3x3; 1x1 then 5x5; 3x3 max-pool then 1x1.

    Every path keeps height and width, so the output has ``c1 + c2[1] + c3[1] + c4`` channels.
    """

    def __init__(
        self, in_channels: int, c1: int, c2: tuple[int, int], c3: tuple[int, int], c4: int
    ) -> None:
        super().__init__()
        self.p1_1 = nn.Conv2d(in_channels, c1, kernel_size=1)
        self.p2_1 = nn.Conv2d(in_channels, c2[0], kernel_size=1)
        self.p2_2 = nn.Conv2d(c2[0], c2[1], kernel_size=3, padding=1)
        self.p3_1 = nn.Conv2d(in_channels, c3[0], kernel_size=1)
        self.p3_2 = nn.Conv2d(c3[0], c3[1], kernel_size=5, padding=2)
        self.p4_1 = nn.MaxPool2d(kernel_size=3, stride=1, padding=1)
        self.p4_2 = nn.Conv2d(in_channels, c4, kernel_size=1)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        p1 = F.relu(self.p1_1(X))
        p2 = F.relu(self.p2_2(F.relu(self.p2_1(X))))
        p3 = F.relu(self.p3_2(F.relu(self.p3_1(X))))
        p4 = F.relu(self.p4_2(self.p4_1(X)))
        return torch.cat((p1, p2, p3, p4), dim=1)  # (B, c1 + c2[1] + c3[1] + c4, H, W)


def _googlenet(num_classes: int, in_channels: int, div: int) -> nn.Sequential:
    def w(c: int) -> int:  # every width divided by ``div`` (at least one channel)
        return max(1, c // div)

    def stage(settings: tuple, channels: int) -> tuple[list[nn.Module], int]:
        blocks: list[nn.Module] = []
        for c1, c2, c3, c4 in settings:
            c1, c2, c3, c4 = w(c1), (w(c2[0]), w(c2[1])), (w(c3[0]), w(c3[1])), w(c4)
            blocks.append(Inception(channels, c1, c2, c3, c4))
            channels = c1 + c2[1] + c3[1] + c4
        return blocks, channels

    b1 = nn.Sequential(
        nn.Conv2d(in_channels, w(64), kernel_size=7, stride=2, padding=3),
        nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
    )
    b2 = nn.Sequential(
        nn.Conv2d(w(64), w(64), kernel_size=1),
        nn.ReLU(),
        nn.Conv2d(w(64), w(192), kernel_size=3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
    )
    blocks3, channels = stage(_STAGE3, w(192))
    b3 = nn.Sequential(*blocks3, nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    blocks4, channels = stage(_STAGE4, channels)
    b4 = nn.Sequential(*blocks4, nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    blocks5, channels = stage(_STAGE5, channels)
    b5 = nn.Sequential(*blocks5, nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten())
    return nn.Sequential(  # 96 input:
        b1,  # (B, 64, 24, 24)
        b2,  # (B, 192, 12, 12)
        b3,  # (B, 480, 6, 6)
        b4,  # (B, 832, 3, 3)
        b5,  # (B, 1024)
        nn.Linear(channels, num_classes),  # (B, 10)
    )


@register_model
def googlenet(num_classes: int = 10, in_channels: int = 1) -> nn.Module:
    """GoogLeNet as in d2l 7.4 (the book feeds it 96x96 images)."""
    return _googlenet(num_classes, in_channels, div=1)


@register_model
def googlenet_tiny(num_classes: int = 10, in_channels: int = 1) -> nn.Module:
    """GoogLeNet with every width divided by 16, for fast tests."""
    return _googlenet(num_classes, in_channels, div=16)
