"""Detections of a trained detector (13.7): confident boxes only, in pixels, drawn and reported."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from d2lkit.experiments.callbacks.detection import Detections, detect
from d2lkit.vision import multibox_prior


class _OneSure(nn.Module):
    """Two anchors: the first surely holds a banana (no offset), the second is background."""

    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.zeros(1))

    def forward(self, X: torch.Tensor):
        anchors = multibox_prior(
            torch.zeros(1, 1, 1, 1), sizes=[0.5, 0.25], ratios=[1]
        )  # (1, 2, 4)
        scores = torch.tensor([[0.0, 8.0], [8.0, 0.0]]).expand(X.shape[0], 2, 2) + 0 * self.w
        return anchors, scores, torch.zeros(X.shape[0], 8)


def test_only_confident_non_background_boxes_come_back_in_pixels():
    images = torch.zeros(2, 3, 100, 200, dtype=torch.uint8)
    found = detect(_OneSure(), images, threshold=0.9)
    assert len(found) == 2
    [(score, box)] = found[0]
    assert score == torch.softmax(torch.tensor([0.0, 8.0]), 0)[1].item()
    # the anchor of size 0.5 at the centre, in a 200 x 100 image: its corners times (w, h, w, h)
    anchor = multibox_prior(torch.zeros(1, 1, 1, 1), sizes=[0.5, 0.25], ratios=[1])[0, 0]
    expected = (anchor * torch.tensor([200, 100, 200, 100])).tolist()
    assert box == pytest.approx(expected)
    assert detect(_OneSure(), images, threshold=1.0) == [[], []]


def test_the_callback_draws_and_reports_the_detections_and_true_boxes(tmp_path):
    class Stub:
        model, run_dir = _OneSure(), tmp_path

        def echo(self, text: str) -> None: ...

    labels = torch.tensor([[[0.0, 0.1, 0.1, 0.5, 0.5]], [[-1.0, 0, 0, 0, 0]]])
    callback = Detections(torch.zeros(2, 3, 64, 64, dtype=torch.uint8), labels)
    callback.on_fit_end(Stub())  # type: ignore[arg-type]
    summary = callback.summary()["detections"]
    assert len(summary) == 2 and all(len(d) == 1 for d in summary)
    assert (tmp_path / "detections.png").is_file()
