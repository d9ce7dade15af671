"""Dense classification: Classification's figures for one label per example, pixel accuracy."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from d2lkit.data import TensorLoader
from d2lkit.errors import ConfigError
from d2lkit.train import Classification, Trainer
from d2lkit.train.dense import DenseClassification


def _evaluate(task, model, loss, loader):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.0)
    return Trainer(model, loss, optimizer, task=task, device="cpu").evaluate(loader)


def test_with_one_label_per_example_it_reports_what_classification_reports():
    torch.manual_seed(0)
    X, y = torch.randn(50, 4), torch.randint(0, 3, (50,))
    model, loss = nn.Linear(4, 3), nn.CrossEntropyLoss(reduction="none")
    loader = TensorLoader(X, y, batch_size=16)
    dense = _evaluate(DenseClassification(), model, loss, loader)
    plain = _evaluate(Classification(), model, loss, loader)
    assert dense == pytest.approx(plain)


def test_with_label_maps_accuracy_is_over_pixels_and_loss_over_examples():
    torch.manual_seed(0)
    X, Y = torch.randn(6, 2, 4, 5), torch.randint(0, 3, (6, 4, 5))
    model = nn.Conv2d(2, 3, kernel_size=1)

    def book_loss(inputs, targets):  # 13.11's per-image loss
        return F.cross_entropy(inputs, targets, reduction="none").mean(1).mean(1)

    figures = _evaluate(DenseClassification(), model, book_loss, TensorLoader(X, Y, batch_size=4))
    with torch.no_grad():
        out = model(X)
    assert figures["acc"] == pytest.approx(float((out.argmax(1) == Y).float().mean()))
    assert figures["loss"] == pytest.approx(float(book_loss(out, Y).mean()))


def test_the_sum_backpropagates_batch_size_times_the_mean():
    X, y = torch.randn(8, 4), torch.randint(0, 3, (8,))
    grads = {}
    for reduction in ("mean", "sum"):
        model = nn.Linear(4, 3)
        nn.init.constant_(model.weight, 0.1)
        nn.init.zeros_(model.bias)
        step = DenseClassification(reduction).step(
            model, nn.CrossEntropyLoss(reduction="none"), (X, y)
        )
        step.loss.backward()
        grads[reduction] = model.weight.grad.clone()
        assert float(step.sums["loss"]) == pytest.approx(
            step.loss.item() * (8 if reduction == "mean" else 1)
        )
    torch.testing.assert_close(grads["sum"], 8 * grads["mean"])


def test_a_list_of_feature_tensors_is_passed_to_the_model_as_a_list():
    seen = []

    def model(inputs):
        seen.append(type(inputs))
        return inputs[0] + inputs[1]

    X = [torch.randn(3, 2), torch.randn(3, 2)]
    DenseClassification().step(
        model, nn.CrossEntropyLoss(reduction="none"), (X, torch.tensor([0, 1, 0]))
    )
    assert seen == [list]


def test_an_unknown_reduction_is_refused():
    with pytest.raises(ConfigError, match="reduction"):
        DenseClassification("max")
