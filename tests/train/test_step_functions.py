"""StepFunctions: a model that computes its own loss, trained by the Trainer."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from d2lkit.data import TensorLoader
from d2lkit.errors import ConfigError
from d2lkit.train import Trainer
from d2lkit.train.step_functions import StepFunctions


def _data(n: int = 12) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    X = torch.randn(n, 3, generator=g)
    return X, X @ torch.tensor([[1.0], [-2.0], [0.5]])


def test_the_trainer_backpropagates_what_the_training_step_returns():
    X, y = _data()
    model = nn.Linear(3, 1)
    w0, b0 = model.weight.detach().clone(), model.bias.detach().clone()

    def train_step(batch):
        Xb, yb = batch
        return ((model(Xb) - yb) ** 2).sum()  # a sum, not the task's usual mean

    lr = 0.01
    task = StepFunctions(train_step)
    trainer = Trainer(model, None, torch.optim.SGD(model.parameters(), lr=lr), task=task)  # type: ignore[arg-type]
    trainer.fit(TensorLoader(X, y, batch_size=12), epochs=1)
    # one full batch: the gradient of sum((Xw + b - y)^2) by hand
    residual = X @ w0.T + b0 - y  # (12, 1)
    expected_w = w0 - lr * 2 * (residual.T @ X)
    expected_b = b0 - lr * 2 * residual.sum(0)
    torch.testing.assert_close(model.weight.detach(), expected_w)
    torch.testing.assert_close(model.bias.detach(), expected_b)


def test_eval_steps_run_without_gradients_in_eval_mode_and_may_report_a_loss():
    X, y = _data()
    model = nn.Sequential(nn.Linear(3, 1), nn.Dropout(0.5))
    seen: list[tuple[bool, bool, int]] = []

    def eval_step(batch):
        seen.append((torch.is_grad_enabled(), model.training, batch[0].shape[0]))
        return ((model(batch[0]) - batch[1]) ** 2).mean()

    task = StepFunctions(lambda b: ((model(b[0]) - b[1]) ** 2).mean(), eval_step)
    trainer = Trainer(model, None, torch.optim.SGD(model.parameters(), lr=0.0), task=task)  # type: ignore[arg-type]
    row = trainer.fit(TensorLoader(X, y, batch_size=12), TensorLoader(X, y, batch_size=5), 1)[-1]
    assert seen == [(False, False, 5), (False, False, 5), (False, False, 2)]
    model.eval()
    with torch.no_grad():  # mean over examples of the per-batch means, weighted by batch size
        losses = [
            ((model(X[i : i + 5]) - y[i : i + 5]) ** 2).mean() * len(X[i : i + 5])
            for i in (0, 5, 10)
        ]
    assert row["test_loss"] == pytest.approx(float(sum(losses)) / 12, rel=1e-5)


def test_an_eval_step_that_returns_nothing_reports_no_figure():
    X, y = _data()
    model = nn.Linear(3, 1)
    calls = []
    task = StepFunctions(lambda b: ((model(b[0]) - b[1]) ** 2).mean(), lambda b: calls.append(1))
    trainer = Trainer(model, None, torch.optim.SGD(model.parameters(), lr=0.1), task=task)  # type: ignore[arg-type]
    row = trainer.fit(TensorLoader(X, y, batch_size=4), TensorLoader(X, y, batch_size=4), 1)[-1]
    assert len(calls) == 3 and "test_loss" not in row and "train_loss" in row


def test_a_training_step_that_returns_no_tensor_is_a_clear_error():
    X, y = _data()
    model = nn.Linear(3, 1)
    task = StepFunctions(lambda batch: 1.0)
    trainer = Trainer(model, None, torch.optim.SGD(model.parameters(), lr=0.1), task=task)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="returned float, not the loss tensor"):
        trainer.fit(TensorLoader(X, y, batch_size=4), epochs=1)
