"""The 1.0 linear models and the book's SGD."""

from __future__ import annotations

import torch

from d2lkit.v1 import torch as d2l


def test_sgd_steps_each_parameter_against_its_gradient_and_zeroes_on_request():
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    w.grad = torch.tensor([0.5, -1.0])
    optim = d2l.SGD([w], lr=0.1)
    optim.step()  # outside no_grad, as d2lkit's Trainer calls it
    torch.testing.assert_close(w.detach(), torch.tensor([0.95, 2.1]))
    optim.zero_grad()
    assert w.grad is not None and float(w.grad.abs().sum()) == 0.0


def test_linear_regression_scratch_is_the_books_model_and_loss():
    torch.manual_seed(0)
    model = d2l.LinearRegressionScratch(2, lr=0.03)
    assert model.w.shape == (2, 1) and model.w.requires_grad and float(model.b.detach()) == 0.0
    X, y = torch.randn(5, 2), torch.randn(5, 1)
    y_hat = model(X)
    torch.testing.assert_close(y_hat, X @ model.w + model.b)
    torch.testing.assert_close(model.loss(y_hat, y), ((y_hat - y) ** 2 / 2).mean())
    optim = model.configure_optimizers()
    assert optim.params[0] is model.w and optim.lr == 0.03


def test_linear_regression_uses_a_lazy_layer_and_returns_its_weights():
    model = d2l.LinearRegression(lr=0.03)
    X = torch.randn(4, 3)
    y_hat = model(X)
    w, b = model.get_w_b()
    assert w.shape == (1, 3) and b.shape == (1,)
    torch.testing.assert_close(y_hat, X @ w.T + b)
    torch.testing.assert_close(model.loss(y_hat, torch.zeros(4, 1)), (y_hat**2).mean())


def test_softmax_regression_flattens_images_into_class_scores():
    model = d2l.SoftmaxRegression(num_outputs=10, lr=0.1)
    assert model(torch.zeros(3, 1, 28, 28)).shape == (3, 10)
