"""The book's running loss: the mean of every epoch's training loss so far."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from d2lkit.experiments.callbacks.losses import RunningMeanLoss
from d2lkit.train import Trainer


def test_the_running_loss_is_the_mean_of_the_epochs_losses_so_far():
    torch.manual_seed(0)
    X, y = torch.randn(32, 4), torch.randint(0, 3, (32,))
    net = nn.Linear(4, 3)
    trainer = Trainer(
        net, nn.CrossEntropyLoss(), torch.optim.SGD(net.parameters(), lr=0.5), device="cpu",
        callbacks=[RunningMeanLoss()],
    )  # fmt: skip
    history = trainer.fit([(X, y)], epochs=3)
    losses = [row["train_loss"] for row in history]
    assert losses[0] > losses[-1]
    for i, row in enumerate(history):
        assert row["train_book_loss"] == pytest.approx(sum(losses[: i + 1]) / (i + 1))
    assert trainer.metrics["train_book_loss"].goal == "min"
