"""The loss as a book's loop prints it, when that is not the last epoch's mean.

14.4's word2vec loop makes its accumulator once, before the first epoch, and
prints ``metric[0] / metric[1]`` at the end: the mean loss over *every* epoch.
:class:`RunningMeanLoss` adds that figure to each row as ``train_book_loss``.
"""

from __future__ import annotations

from typing import Any

from d2lkit.metric import METRICS
from d2lkit.train.callbacks import Callback
from d2lkit.train.trainer import Trainer

__all__ = ["RunningMeanLoss"]


class RunningMeanLoss(Callback):
    """``train_book_loss``: the mean of ``train_loss`` over every epoch so far.

    Epochs serve the same number of examples, so the mean of the epochs' means
    is the mean over all examples seen. It is read from the history, so a
    resumed run counts the epochs before the resume too.
    """

    metrics = (METRICS.get("book_loss").column("train"),)

    def on_row(self, trainer: Trainer, row: dict[str, Any]) -> None:
        losses = [r["train_loss"] for r in trainer.history] + [row["train_loss"]]
        row["train_book_loss"] = sum(losses) / len(losses)
