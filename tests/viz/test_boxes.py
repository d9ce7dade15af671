"""Boxes drawn as the book draws them: rectangles from corners, labels on the corners."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from d2lkit.viz.boxes import bbox_to_rect, show_bboxes


def test_a_box_becomes_an_unfilled_rectangle_from_its_corners():
    # 13.3's dog: corners (60, 45) and (378, 516) -> 318 wide, 471 high
    rect = bbox_to_rect(torch.tensor([60.0, 45.0, 378.0, 516.0], requires_grad=True), "blue")
    assert rect.get_xy() == (60.0, 45.0)
    assert (rect.get_width(), rect.get_height()) == (318.0, 471.0)
    assert not rect.get_fill() and rect.get_linewidth() == 2
    assert rect.get_edgecolor() == matplotlib.colors.to_rgba("blue")


def test_labelled_boxes_cycle_colours_and_put_each_label_on_its_corner():
    fig, ax = plt.subplots()
    ax.imshow(np.zeros((100, 100, 3)))
    boxes = torch.tensor([[10.0, 10, 50, 50], [20, 30, 60, 90], [0, 0, 5, 5]])
    show_bboxes(ax, boxes, ["a", "b"], colors=["r", "w"])
    edge = [p.get_edgecolor() for p in ax.patches]
    assert edge == [matplotlib.colors.to_rgba(c) for c in ("r", "w", "r")]
    texts = [(t.get_text(), t.get_position(), t.get_color()) for t in ax.texts]
    assert texts == [("a", (10.0, 10.0), "w"), ("b", (20.0, 30.0), "k")]  # black on white
    plt.close(fig)


def test_one_label_and_one_colour_may_be_plain_strings():
    fig, ax = plt.subplots()
    show_bboxes(ax, [[1, 2, 3, 4]], "dog=0.9", "k")
    assert [t.get_text() for t in ax.texts] == ["dog=0.9"]
    plt.close(fig)


def test_a_box_without_four_numbers_is_refused():
    with pytest.raises(ValueError, match="4 numbers"):
        bbox_to_rect([1.0, 2.0, 3.0], "r")
