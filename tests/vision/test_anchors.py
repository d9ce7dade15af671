"""Anchors, their labels and offsets: the book's printed figures (13.4), torchvision's box coder,
and a plain-loop reference of the greedy matching."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torchvision.models.detection._utils import BoxCoder

from d2lkit.vision import (
    assign_anchor_to_bbox,
    box_iou,
    multibox_prior,
    multibox_target,
    offset_boxes,
    offset_inverse,
)

BoxMaker = Callable[..., torch.Tensor]
SEEDS = st.integers(0, 2**31 - 1)
# torchvision's detection box coder with the book's scales: 1 / 0.1 (centres), 1 / 0.2 (sizes)
BOOK_CODER = BoxCoder(weights=(10.0, 10.0, 5.0, 5.0), bbox_xform_clip=1e6)

# 13.4's example: two ground-truth boxes (dog = class 0, cat = class 1) and five anchors
GROUND_TRUTH = torch.tensor([[0, 0.1, 0.08, 0.52, 0.92], [1, 0.55, 0.2, 0.9, 0.88]])
ANCHORS = torch.tensor(
    [
        [0, 0.1, 0.2, 0.3],
        [0.15, 0.2, 0.4, 0.4],
        [0.63, 0.05, 0.88, 0.98],
        [0.66, 0.45, 0.8, 0.8],
        [0.57, 0.3, 0.92, 0.9],
    ]
)


def test_anchors_of_the_books_561_by_728_image_match_its_printed_figures() -> None:
    # 13.4 prints torch.Size([1, 2042040, 4]) and boxes[250, 250, 0, :] = [0.06, 0.07, 0.63, 0.82]
    Y = multibox_prior(torch.zeros(1, 3, 561, 728), sizes=[0.75, 0.5, 0.25], ratios=[1, 2, 0.5])
    assert Y.shape == (1, 2042040, 4)
    first = Y.reshape(561, 728, 5, 4)[250, 250, 0, :]
    torch.testing.assert_close(first, torch.tensor([0.06, 0.07, 0.63, 0.82]), atol=5e-3, rtol=0)


def test_each_anchor_has_its_size_and_ratio_in_pixels_around_its_pixel_centre() -> None:
    H, W, sizes, ratios = 6, 10, [0.5, 0.25], [1.0, 4.0, 0.25]
    anchors = multibox_prior(torch.zeros(H, W), sizes, ratios).reshape(H, W, 4, 4)
    shapes = [(0.5, 1.0), (0.25, 1.0), (0.5, 4.0), (0.5, 0.25)]  # (size, ratio) in the book's order
    for i, j in [(0, 0), (2, 7), (5, 9)]:
        for k, (s, r) in enumerate(shapes):
            x1, y1, x2, y2 = anchors[i, j, k].tolist()
            assert (x1 + x2) / 2 == pytest.approx((j + 0.5) / W)
            assert (y1 + y2) / 2 == pytest.approx((i + 0.5) / H)
            width_px, height_px = (x2 - x1) * W, (y2 - y1) * H
            assert width_px / height_px == pytest.approx(r, rel=1e-5)  # the ratio, in pixels
            assert math.sqrt(width_px * height_px) == pytest.approx(s * H, rel=1e-5)


def test_multibox_target_gives_the_books_printed_labels_for_its_example() -> None:
    offsets, mask, classes = multibox_target(ANCHORS.unsqueeze(0), GROUND_TRUTH.unsqueeze(0))
    assert classes.tolist() == [[0, 1, 2, 0, 2]]  # labels[2]
    assert mask.tolist() == [[0.0] * 4 + [1.0] * 8 + [0.0] * 4 + [1.0] * 4]  # labels[1]
    printed = [  # labels[0], as the book prints it (3 significant digits)
        -0.0, -0.0, -0.0, -0.0, 1.40, 10.0, 2.59, 7.18, -1.20, 0.269, 1.68, -1.57,
        -0.0, -0.0, -0.0, -0.0, -0.571, -1.00, 4.17e-06, 0.626,
    ]  # fmt: skip
    torch.testing.assert_close(offsets, torch.tensor([printed]), rtol=5e-3, atol=1e-5)


def _greedy_reference(gt: torch.Tensor, anchors: torch.Tensor, threshold: float) -> list[int]:
    """The book's matching, one element at a time in plain Python."""
    iou = [[float(v) for v in row] for row in box_iou(anchors, gt)]
    assigned = [-1] * len(anchors)
    for a, row in enumerate(iou):
        best = max(range(len(gt)), key=lambda g: (row[g], -g))  # the first of equal maxima
        if row[best] >= threshold:
            assigned[a] = best
    for _ in range(min(len(gt), len(anchors))):
        a, g = max(
            ((a, g) for a in range(len(anchors)) for g in range(len(gt))),
            key=lambda ag: (iou[ag[0]][ag[1]], -ag[0], -ag[1]),  # the first in row-major order
        )
        assigned[a] = g
        for row in iou:
            row[g] = -1.0
        iou[a] = [-1.0] * len(gt)
    return assigned


@settings(max_examples=50, deadline=None)
@given(seed=SEEDS, g=st.integers(1, 6), a=st.integers(1, 40), threshold=st.floats(0.1, 0.9))
def test_assignment_equals_a_plain_loop_of_the_books_greedy_matching(
    random_boxes: BoxMaker, seed: int, g: int, a: int, threshold: float
) -> None:
    gt, anchors = random_boxes(seed, g), random_boxes(seed + 1, a)
    assert assign_anchor_to_bbox(gt, anchors, threshold).tolist() == _greedy_reference(
        gt, anchors, threshold
    )


def test_every_ground_truth_box_gets_an_anchor_even_below_the_threshold(
    random_boxes: BoxMaker,
) -> None:
    gt, anchors = random_boxes(3, 5), random_boxes(4, 30)
    assigned = assign_anchor_to_bbox(gt, anchors, iou_threshold=1.0)  # no IoU reaches 1
    assert sorted(assigned[assigned >= 0].tolist()) == [0, 1, 2, 3, 4]


def test_a_batch_is_labelled_as_each_of_its_images_alone(random_boxes: BoxMaker) -> None:
    anchors = random_boxes(0, 50, scale=0.5)
    classes = torch.randint(0, 3, (3, 4, 1), generator=torch.Generator().manual_seed(0))
    boxes = torch.stack([random_boxes(s, 4, 0.5) for s in (1, 2, 3)])
    labels = torch.cat((classes.float(), boxes), dim=2)  # (3, 4, 5)
    batched = multibox_target(anchors, labels)
    for i in range(3):
        alone = multibox_target(anchors.unsqueeze(0), labels[i : i + 1])
        for got, want in zip(batched, alone, strict=True):
            torch.testing.assert_close(got[i : i + 1], want)


@settings(max_examples=50, deadline=None)
@given(seed=SEEDS, n=st.integers(1, 40))
def test_offsets_equal_torchvisions_box_coder_with_the_books_scales(
    random_boxes: BoxMaker, seed: int, n: int
) -> None:
    anchors, boxes = random_boxes(seed, n), random_boxes(seed + 1, n)
    expected = BOOK_CODER.encode_single(boxes, anchors)  # no eps in log(w_b / w_a): none here
    tol = {"rtol": 1e-5, "atol": 1e-4}  # float32 rounding of offsets up to ~50
    torch.testing.assert_close(offset_boxes(anchors, boxes, eps=0.0), expected, **tol)
    preds = torch.randn(n, 4, generator=torch.Generator().manual_seed(seed))
    torch.testing.assert_close(
        offset_inverse(anchors, preds), BOOK_CODER.decode_single(preds, anchors), **tol
    )


@settings(max_examples=50, deadline=None)
@given(seed=SEEDS, n=st.integers(0, 40))
def test_offset_inverse_undoes_offset_boxes(random_boxes: BoxMaker, seed: int, n: int) -> None:
    anchors, boxes = random_boxes(seed, n), random_boxes(seed + 1, n)
    restored = offset_inverse(anchors, offset_boxes(anchors, boxes))
    # log(eps + w_b / w_a) leaves w_b + eps * w_a: within 1e-6 of the anchor's size
    torch.testing.assert_close(restored, boxes, rtol=1e-5, atol=1e-3)


def test_labels_of_the_wrong_shape_are_refused() -> None:
    with pytest.raises(ValueError, match=r"\(B, G, 5\)"):
        multibox_target(ANCHORS, GROUND_TRUTH)
