"""Random corner-form boxes for the property tests, drawn from a seed hypothesis chooses."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch

BoxMaker = Callable[..., torch.Tensor]


def _random_boxes(seed: int, n: int, scale: float = 100.0) -> torch.Tensor:
    """``(n, 4)`` float32 boxes with positive width and height, anywhere in [0, 2 * scale]."""
    g = torch.Generator().manual_seed(seed)
    upper_left = torch.rand(n, 2, generator=g) * scale
    size = torch.rand(n, 2, generator=g) * scale + 1e-2  # never empty: IoU stays defined
    return torch.cat((upper_left, upper_left + size), dim=1)


@pytest.fixture(scope="session")  # session scope: hypothesis reruns the test, not the fixture
def random_boxes() -> BoxMaker:
    """``random_boxes(seed, n, scale=100)``: ``(n, 4)`` boxes of positive size."""
    return _random_boxes
