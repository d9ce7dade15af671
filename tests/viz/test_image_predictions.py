"""Labelled images, detections and segmentation masks as figures."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from matplotlib.colors import to_rgba

from d2lkit.viz.image_predictions import show_detections, show_labelled_images, show_segmentations


def _images(n: int, h: int = 8, w: int = 12) -> list[torch.Tensor]:
    return [torch.full((3, h, w), 40 * i, dtype=torch.uint8) for i in range(n)]


def test_labelled_images_show_each_image_with_a_title_coloured_by_its_verdict():
    images = _images(3)
    fig = show_labelled_images(images, ["cat", "dog (cat)", "?"], [True, False, None], cols=2)
    shown = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in shown] == ["cat", "dog (cat)", "?"]
    assert to_rgba(shown[1].title.get_color()) == to_rgba("tab:red")
    assert np.array_equal(shown[2].images[0].get_array(), images[2].permute(1, 2, 0).numpy())
    with pytest.raises(ValueError):
        show_labelled_images(images, ["one"])


def test_detections_draw_one_box_per_detection_and_per_true_box_labelled():
    found = [[(0.95, [1.0, 2.0, 6.0, 7.0])], []]
    fig = show_detections(_images(2), found, [[[0.0, 0.0, 4.0, 4.0]], []])
    first = fig.axes[0]
    assert len(first.patches) == 2  # the true box, then the detection
    truth, box = first.patches
    assert (truth.get_width(), truth.get_height()) == (4.0, 4.0)
    assert (box.get_x(), box.get_y(), box.get_width(), box.get_height()) == (1.0, 2.0, 5.0, 5.0)
    assert [t.get_text() for t in first.texts] == ["true", "0.95"]
    assert not fig.axes[1].patches


def test_segmentations_put_images_predictions_and_truths_in_three_rows():
    images, masks = _images(2), _images(2, 8, 12)
    fig = show_segmentations(images, masks, masks)
    rows = [ax for ax in fig.axes if ax.images]
    assert len(rows) == 6
    assert [ax.get_title(loc="left") for ax in rows[::2]] == ["image", "predicted", "true"]
    with pytest.raises(ValueError):
        show_segmentations(images, masks[:1], masks)
