"""UpdateFunction: a real torch optimiser whose step is the book's own update function."""

from __future__ import annotations

import torch

from d2lkit.data import TensorLoader
from d2lkit.scratch.optim import sgd
from d2lkit.train import Regression, Trainer
from d2lkit.train.update_function import UpdateFunction


def test_it_is_a_torch_optimizer_whose_step_calls_the_function_with_batch_size_one():
    w = torch.ones(3, requires_grad=True)
    calls = []
    optimizer = UpdateFunction([w], lambda batch_size: calls.append(batch_size), lr=0.5)
    assert isinstance(optimizer, torch.optim.Optimizer)
    (w * 2).sum().backward()
    optimizer.step()
    optimizer.zero_grad()
    assert calls == [1] and w.grad is None
    assert optimizer.param_groups[0]["lr"] == 0.5
    assert optimizer.state_dict()["param_groups"][0]["lr"] == 0.5


def test_a_function_without_a_batch_size_is_called_without_one():
    calls = []
    UpdateFunction([], lambda: calls.append("step"), takes_batch_size=False).step()
    assert calls == ["step"]


def test_training_with_the_books_sgd_equals_torch_sgd_on_the_mean_loss():
    torch.manual_seed(0)
    X, y = torch.randn(32, 4), torch.randn(32, 1)
    results = []
    for make in (
        lambda p: UpdateFunction(p, lambda batch_size: sgd(p, 0.1, batch_size), lr=0.1),
        lambda p: torch.optim.SGD(p, lr=0.1),
    ):
        torch.manual_seed(1)
        model = torch.nn.Linear(4, 1)
        params = list(model.parameters())
        trainer = Trainer(model, torch.nn.MSELoss(), make(params), task=Regression(), device="cpu")
        trainer.fit(TensorLoader(X, y, batch_size=8), epochs=2)
        results.append([p.detach().clone() for p in params])
    for a, b in zip(*results, strict=True):
        torch.testing.assert_close(a, b)
