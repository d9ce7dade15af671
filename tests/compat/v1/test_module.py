"""Module and Classifier: the book's forward, loss, accuracy, plot and apply_init."""

from __future__ import annotations

import types

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from d2lkit.v1 import torch as d2l


def test_forward_runs_net_and_training_step_returns_the_loss_it_plots():
    class Model(d2l.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = nn.Linear(2, 1)

        def loss(self, y_hat, y):
            return ((y_hat - y) ** 2).mean()

    model = Model()
    model.trainer = types.SimpleNamespace(train_batch_idx=0, num_train_batches=2)
    X, y = torch.ones(3, 2), torch.zeros(3, 1)
    loss = model.training_step((X, y))
    torch.testing.assert_close(loss, ((model.net(X) - y) ** 2).mean())
    assert loss.requires_grad  # what the trainer backpropagates
    # every_n = 2 batches / 2 points per epoch = 1: one point at x = 0 / 2
    assert model.board.data["train_loss"][0] == (0.0, pytest.approx(float(loss.detach())))
    assert model.board.xlabel == "epoch"


def test_plot_before_a_trainer_is_the_books_assertion():
    model = d2l.Module()
    with pytest.raises(AssertionError, match="Trainer is not inited"):
        model.plot("loss", torch.tensor(1.0), train=True)


def test_the_hyperparameters_of_module_are_saved():
    model = d2l.Module(plot_train_per_epoch=4)
    assert model.hparams == {"plot_train_per_epoch": 4, "plot_valid_per_epoch": 1}


def test_classifier_loss_is_cross_entropy_over_the_last_axis():
    clf = d2l.Classifier()
    Y_hat, Y = torch.randn(2, 3, 5), torch.randint(0, 5, (2, 3))  # (B, T, C) as a language model
    torch.testing.assert_close(
        clf.loss(Y_hat, Y), F.cross_entropy(Y_hat.reshape(6, 5), Y.reshape(6))
    )
    assert clf.loss(Y_hat, Y, averaged=False).shape == (6,)


def test_classifier_accuracy_counts_argmax_hits():
    clf = d2l.Classifier()
    Y_hat = torch.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5], [0.9, 0.05, 0.05]])
    Y = torch.tensor([2, 0, 0])  # hits: yes, no, yes
    assert float(clf.accuracy(Y_hat, Y)) == pytest.approx(2 / 3)
    assert clf.accuracy(Y_hat, Y, averaged=False).tolist() == [1.0, 0.0, 1.0]


def test_layer_summary_prints_the_lenet_shapes_of_the_book(capsys: pytest.CaptureFixture[str]):
    d2l.LeNet().layer_summary((1, 1, 28, 28))
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Conv2d output shape:\t torch.Size([1, 6, 28, 28])"
    assert lines[5] == "AvgPool2d output shape:\t torch.Size([1, 16, 5, 5])"
    assert lines[-1] == "Linear output shape:\t torch.Size([1, 10])"
    assert len(lines) == 12


def test_apply_init_gives_lazy_layers_their_shapes_then_initialises():
    model = d2l.LeNet()
    model.apply_init(
        [torch.zeros(2, 1, 28, 28)], lambda m: isinstance(m, nn.Linear) and nn.init.zeros_(m.weight)
    )
    assert model.net[7].weight.shape == (120, 400)
    assert float(model.net[-1].weight.detach().abs().sum()) == 0.0


def test_configure_optimizers_is_sgd_at_the_models_lr():
    model = d2l.SoftmaxRegression(num_outputs=10, lr=0.1)
    model(torch.zeros(1, 1, 28, 28))
    optim = model.configure_optimizers()
    assert isinstance(optim, torch.optim.SGD) and optim.param_groups[0]["lr"] == 0.1
