"""Chapter 13's image classifiers at the end of training: labelled predictions, Kaggle submissions.

:class:`LabelledPredictions` draws ``predictions.png``: images with the label
the model gives them (green when right, red when wrong, where the truth is
known). :class:`KaggleSubmission` classifies a competition's unlabelled test
images into ``submission.csv`` in the run folder, in the competition's format
(13.13: ``id,label``; 13.14: ``id`` and one probability per breed).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

from d2lkit.atomic import write_text_atomic
from d2lkit.data.vision import ImageSet
from d2lkit.train.callbacks import Callback
from d2lkit.train.trainer import Trainer
from d2lkit.viz import save_figure
from d2lkit.viz.image_predictions import show_labelled_images

__all__ = ["KaggleSubmission", "LabelledPredictions", "predict_logits"]

Transform = Callable[[torch.Tensor], torch.Tensor]


@torch.no_grad()
def predict_logits(
    model: nn.Module, images: torch.Tensor, transform: Transform, batch_size: int = 64
) -> torch.Tensor:
    """The model's outputs ``(N, classes)`` for uint8 images, in evaluation mode, on its device.

    The model's training mode is restored afterwards.
    """
    device = next(model.parameters(), torch.zeros(0)).device  # no parameters: the CPU
    was_training = model.training
    model.eval()
    try:
        outputs = [
            model(transform(images[i : i + batch_size].to(device))).float().cpu()
            for i in range(0, images.shape[0], batch_size)
        ]
    finally:
        model.train(was_training)
    return torch.cat(outputs) if outputs else torch.zeros(0, 0)


class LabelledPredictions(Callback):
    """After training: up to ``count`` images with their predicted labels, as predictions.png."""

    main_only = True

    def __init__(self, shown: ImageSet, transform: Transform, count: int = 16) -> None:
        self.shown, self.transform, self.count = shown, transform, count
        self.accuracy: float | None = None

    def on_fit_end(self, trainer: Trainer) -> None:
        images = self.shown.images[: self.count]
        labels = self.shown.labels[: self.count]
        if trainer.run_dir is None or images.shape[0] == 0:
            return
        predicted = predict_logits(trainer.model, images, self.transform).argmax(dim=1)
        names = self.shown.classes
        correct = [
            None if int(y) < 0 else bool(p == y) for p, y in zip(predicted, labels, strict=True)
        ]
        titles = [  # a wrong label is followed by the true one
            names[int(p)] if ok is not False else f"{names[int(p)]} ({names[int(y)]})"
            for p, y, ok in zip(predicted, labels, correct, strict=True)
        ]
        known = [c for c in correct if c is not None]
        self.accuracy = sum(known) / len(known) if known else None
        fig = show_labelled_images(list(images), titles, correct, title="predicted labels")
        save_figure(fig, trainer.run_dir / "predictions.png")

    def summary(self) -> dict[str, Any]:
        return {} if self.accuracy is None else {"shown_accuracy": self.accuracy}


class KaggleSubmission(Callback):
    """After training: classify the unlabelled test images into submission.csv.

    Args:
        test: the test images (labels unused).
        ids: one id per image, the rows of the file.
        classes: the label names, in the model's output order.
        transform: the evaluation transform (uint8 batch -> model input).
        probabilities: write one column of probabilities per class (13.14's
            format) instead of the most probable label (13.13's).
    """

    main_only = True

    def __init__(
        self,
        test: ImageSet,
        ids: Sequence[str],
        classes: Sequence[str],
        transform: Transform,
        probabilities: bool = False,
    ) -> None:
        if len(ids) != test.images.shape[0]:
            raise ValueError(f"{len(ids)} ids for {test.images.shape[0]} test images")
        self.test, self.ids, self.classes = test, list(ids), list(classes)
        self.transform, self.probabilities = transform, probabilities

    def on_fit_end(self, trainer: Trainer) -> None:
        if trainer.run_dir is None:
            return
        logits = predict_logits(trainer.model, self.test.images, self.transform)
        if self.probabilities:
            probs = torch.softmax(logits, dim=1)
            lines = ["id," + ",".join(self.classes)] + [
                f"{i}," + ",".join(f"{p:.6f}" for p in row)
                for i, row in zip(self.ids, probs.tolist(), strict=True)
            ]
        else:
            labels = logits.argmax(dim=1).tolist() if logits.numel() else []
            lines = ["id,label"] + [
                f"{i},{self.classes[y]}" for i, y in zip(self.ids, labels, strict=True)
            ]
        write_text_atomic(trainer.run_dir / "submission.csv", "\n".join(lines) + "\n")
        trainer.echo(f"submission.csv: {len(self.ids)} test images classified")
