"""Box conversions, areas and IoU equal torchvision.ops's on random boxes; the book's 13.3 boxes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torchvision import ops

from d2lkit.vision import box_area, box_center_to_corner, box_corner_to_center, box_iou

BoxMaker = Callable[..., torch.Tensor]

SEEDS = st.integers(0, 2**31 - 1)


@settings(max_examples=50, deadline=None)
@given(seed=SEEDS, n=st.integers(0, 40))
def test_box_conversions_equal_torchvision_box_convert(
    random_boxes: BoxMaker, seed: int, n: int
) -> None:
    boxes = random_boxes(seed, n)
    center = box_corner_to_center(boxes)
    torch.testing.assert_close(center, ops.box_convert(boxes, "xyxy", "cxcywh"))
    torch.testing.assert_close(
        box_center_to_corner(center), ops.box_convert(center, "cxcywh", "xyxy")
    )


@settings(max_examples=50, deadline=None)
@given(seed=SEEDS, n=st.integers(0, 30), m=st.integers(0, 30))
def test_box_iou_and_area_equal_torchvision(
    random_boxes: BoxMaker, seed: int, n: int, m: int
) -> None:
    boxes1, boxes2 = random_boxes(seed, n), random_boxes(seed + 1, m)
    torch.testing.assert_close(box_area(boxes1), ops.box_area(boxes1))
    torch.testing.assert_close(box_iou(boxes1, boxes2), ops.box_iou(boxes1, boxes2))


def test_box_iou_broadcasts_over_a_batch_of_box_lists(random_boxes: BoxMaker) -> None:
    boxes1 = torch.stack([random_boxes(s, 5) for s in range(3)])  # (3, 5, 4)
    boxes2 = torch.stack([random_boxes(s + 10, 7) for s in range(3)])  # (3, 7, 4)
    batched = box_iou(boxes1, boxes2)
    assert batched.shape == (3, 5, 7)
    for i in range(3):
        torch.testing.assert_close(batched[i], ops.box_iou(boxes1[i], boxes2[i]))


def test_the_books_dog_and_cat_boxes_survive_a_round_trip() -> None:
    # 13.3: box_center_to_corner(box_corner_to_center(boxes)) == boxes is all True
    boxes = torch.tensor([[60.0, 45.0, 378.0, 516.0], [400.0, 112.0, 655.0, 493.0]])
    assert bool((box_center_to_corner(box_corner_to_center(boxes)) == boxes).all())
    # dog: centre (219, 280.5), 318 wide, 471 high (worked by hand)
    assert box_corner_to_center(boxes)[0].tolist() == [219.0, 280.5, 318.0, 471.0]


def test_disjoint_boxes_have_zero_iou_and_a_box_with_itself_one() -> None:
    a = torch.tensor([[0.0, 0.0, 1.0, 1.0]])
    b = torch.tensor([[2.0, 2.0, 3.0, 3.0], [0.0, 0.0, 1.0, 1.0], [0.5, 0.0, 1.5, 1.0]])
    # half of a overlaps the third box: 0.5 / (1 + 1 - 0.5)
    torch.testing.assert_close(box_iou(a, b), torch.tensor([[0.0, 1.0, 1 / 3]]))


def test_a_tensor_that_is_not_boxes_is_refused_with_its_shape() -> None:
    with pytest.raises(ValueError, match=r"\(\.\.\., 4\), got \(3, 5\)"):
        box_corner_to_center(torch.zeros(3, 5))
    with pytest.raises(ValueError, match="lists of boxes"):
        box_iou(torch.zeros(4), torch.zeros(2, 4))
