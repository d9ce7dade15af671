"""Chapter 13's classifiers after training: labelled predictions and Kaggle submissions."""

from __future__ import annotations

import csv

import pytest
import torch
from torch import nn

from d2lkit.data.transforms import ImageBatch
from d2lkit.data.vision import ImageSet
from d2lkit.experiments.callbacks.images import (
    KaggleSubmission,
    LabelledPredictions,
    predict_logits,
)


class _Stub:
    def __init__(self, model, run_dir) -> None:
        self.model, self.run_dir, self.lines = model, run_dir, []

    def echo(self, text: str) -> None:
        self.lines.append(text)


class _Brightness(nn.Module):
    """Class 1 for bright images (mean over 0.5), else 0; a dropout shows the mode used."""

    def __init__(self) -> None:
        super().__init__()
        self.drop = nn.Dropout(0.99)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        m = self.drop(X).mean(dim=(1, 2, 3)) if self.training else X.mean(dim=(1, 2, 3))
        return torch.stack([0.5 - m, m - 0.5], dim=1)


def _images() -> ImageSet:
    levels = torch.tensor([10, 200, 30, 250], dtype=torch.uint8)
    images = levels.view(4, 1, 1, 1).expand(4, 3, 4, 4).contiguous()
    return ImageSet(images, torch.tensor([0, 1, 1, 1]), ("dark", "bright"))


def test_predictions_run_in_evaluation_mode_through_the_evaluation_transform():
    net = _Brightness()
    logits = predict_logits(net, _images().images, ImageBatch(), batch_size=3)
    assert logits.argmax(dim=1).tolist() == [0, 1, 0, 1] and net.training


def test_labelled_predictions_name_the_true_label_of_a_wrong_one(tmp_path):
    callback = LabelledPredictions(_images(), ImageBatch())
    callback.on_fit_end(_Stub(_Brightness(), tmp_path))  # type: ignore[arg-type]
    assert callback.summary() == {"shown_accuracy": 0.75}  # the third is labelled bright
    assert (tmp_path / "predictions.png").is_file()


def test_submissions_have_a_label_or_a_probability_per_class(tmp_path):
    ids = ["7", "8", "9", "10"]
    callback = KaggleSubmission(_images(), ids, ("dark", "bright"), ImageBatch())
    callback.on_fit_end(_Stub(_Brightness(), tmp_path))  # type: ignore[arg-type]
    rows = list(csv.reader((tmp_path / "submission.csv").open()))
    assert rows == [
        ["id", "label"],
        ["7", "dark"],
        ["8", "bright"],
        ["9", "dark"],
        ["10", "bright"],
    ]
    probabilities = KaggleSubmission(_images(), ids, ("dark", "bright"), ImageBatch(), True)
    probabilities.on_fit_end(_Stub(_Brightness(), tmp_path))  # type: ignore[arg-type]
    rows = list(csv.reader((tmp_path / "submission.csv").open()))
    assert rows[0] == ["id", "dark", "bright"]
    expected = torch.softmax(torch.tensor([0.5 - 10 / 255, 10 / 255 - 0.5]), 0)
    assert [float(p) for p in rows[1][1:]] == pytest.approx(expected.tolist(), abs=1e-6)
    with pytest.raises(ValueError, match="3 ids for 4 test images"):
        KaggleSubmission(_images(), ids[:3], ("dark", "bright"), ImageBatch())
