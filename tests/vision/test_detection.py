"""NMS equals torchvision.ops.nms on random boxes; multibox_detection prints the book's output."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torchvision import ops

from d2lkit.vision import multibox_detection, nms

BoxMaker = Callable[..., torch.Tensor]


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(0, 80), threshold=st.floats(0.05, 0.95))
def test_nms_keeps_what_torchvision_keeps_in_the_same_order(
    random_boxes: BoxMaker, seed: int, n: int, threshold: float
) -> None:
    boxes = random_boxes(seed, n, scale=20.0)  # crowded: many overlaps to suppress
    scores = torch.rand(n, generator=torch.Generator().manual_seed(seed + 7))
    assert nms(boxes, scores, threshold).tolist() == ops.nms(boxes, scores, threshold).tolist()


def test_equal_scores_keep_their_input_order() -> None:
    boxes = torch.tensor([[0.0, 0.0, 1.0, 1.0], [5.0, 5.0, 6.0, 6.0], [0.0, 0.0, 1.0, 1.1]])
    assert nms(boxes, torch.tensor([0.5, 0.5, 0.5]), 0.5).tolist() == [0, 1]


def test_the_books_four_anchor_example_gives_its_printed_detections() -> None:
    # 13.4: dog 0.9 / 0.8 / 0.7 on three overlapping anchors, cat 0.9 on the fourth, zero offsets
    anchors = torch.tensor(
        [
            [0.1, 0.08, 0.52, 0.92],
            [0.08, 0.2, 0.56, 0.95],
            [0.15, 0.3, 0.62, 0.91],
            [0.55, 0.2, 0.9, 0.88],
        ]
    )
    cls_probs = torch.tensor([[0.0] * 4, [0.9, 0.8, 0.7, 0.1], [0.1, 0.2, 0.3, 0.9]])
    output = multibox_detection(
        cls_probs.unsqueeze(0), torch.zeros(1, 16), anchors.unsqueeze(0), nms_threshold=0.5
    )
    printed = [
        [0.00, 0.90, 0.10, 0.08, 0.52, 0.92],
        [1.00, 0.90, 0.55, 0.20, 0.90, 0.88],
        [-1.00, 0.80, 0.08, 0.20, 0.56, 0.95],
        [-1.00, 0.70, 0.15, 0.30, 0.62, 0.91],
    ]
    torch.testing.assert_close(output, torch.tensor([printed]), atol=5e-3, rtol=0)


def test_a_kept_prediction_below_the_positive_threshold_is_background_with_1_minus_conf() -> None:
    anchors = torch.tensor([[0.0, 0.0, 0.5, 0.5], [0.5, 0.5, 1.0, 1.0]])
    cls_probs = torch.tensor([[[0.1, 0.995], [0.9, 0.005]]])  # (1, 2 classes, 2 anchors)
    out = multibox_detection(cls_probs, torch.zeros(1, 8), anchors, pos_threshold=0.01)
    assert out[0, :, 0].tolist() == [0.0, -1.0]
    torch.testing.assert_close(out[0, :, 1], torch.tensor([0.9, 0.995]))


def test_a_batch_is_detected_as_each_image_alone(random_boxes: BoxMaker) -> None:
    anchors = random_boxes(0, 30, scale=0.5)
    g = torch.Generator().manual_seed(1)
    cls_probs = torch.softmax(torch.randn(3, 4, 30, generator=g), dim=1)
    offsets = torch.randn(3, 120, generator=g) * 0.5
    batched = multibox_detection(cls_probs, offsets, anchors.unsqueeze(0))
    for i in range(3):
        alone = multibox_detection(cls_probs[i : i + 1], offsets[i : i + 1], anchors)
        torch.testing.assert_close(batched[i : i + 1], alone)


def test_mismatched_shapes_are_refused_with_both_shapes() -> None:
    with pytest.raises(ValueError, match=r"\(3, 4\) and \(2,\)"):
        nms(torch.zeros(3, 4), torch.zeros(2), 0.5)
    with pytest.raises(ValueError, match="4 anchors"):
        multibox_detection(torch.zeros(1, 2, 4), torch.zeros(1, 16), torch.zeros(5, 4))
