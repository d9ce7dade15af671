"""d2l 1.0's ``Module`` and ``Classifier``: a model that knows its loss, plots and optimiser.

A ``Module`` is a plain ``nn.Module``; the facade's :class:`~d2lkit.compat.v1.trainer.Trainer`
runs it as a task of d2lkit's Trainer (:class:`~d2lkit.train.step_functions.StepFunctions`
calls ``training_step`` and ``validation_step``). ``plot`` draws on the model's
:class:`~d2lkit.compat.v1.board.ProgressBoard` without reading the value on the
host each batch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from d2lkit.compat.v1.board import ProgressBoard
from d2lkit.compat.v1.hyperparameters import HyperParameters

__all__ = ["Classifier", "Module"]


class Module(nn.Module, HyperParameters):
    """The base class of models: ``loss``, ``forward``, ``training_step``, ``configure_optimizers``.

    Args:
        plot_train_per_epoch: points the training curves get per epoch (batches averaged).
        plot_valid_per_epoch: points the validation curves get per epoch.
    """

    trainer: Any
    board: ProgressBoard
    net: Any  # the network, where a subclass keeps one in `net`
    lr: float
    plot_train_per_epoch: int
    plot_valid_per_epoch: int

    def __init__(self, plot_train_per_epoch: int = 2, plot_valid_per_epoch: int = 1) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.board = ProgressBoard()

    def loss(self, y_hat: Any, y: Any) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, X: Any, *args: Any) -> Any:
        assert hasattr(self, "net"), "Neural network is defined"
        return self.net(X)

    def plot(self, key: str, value: Any, train: bool) -> None:
        """Plot a point in animation: ``train_<key>`` per batch, ``val_<key>`` per epoch."""
        assert hasattr(self, "trainer"), "Trainer is not inited"
        self.board.xlabel = "epoch"
        if train:
            x = self.trainer.train_batch_idx / self.trainer.num_train_batches
            n = self.trainer.num_train_batches / self.plot_train_per_epoch
        else:
            x = self.trainer.epoch + 1
            n = self.trainer.num_val_batches / self.plot_valid_per_epoch
        if isinstance(value, torch.Tensor):
            value = value.detach()  # read on the host only when a point is complete
        self.board.draw(x, value, ("train_" if train else "val_") + key, every_n=int(n))

    def training_step(self, batch: Sequence[Any]) -> torch.Tensor:
        loss = self.loss(self(*batch[:-1]), batch[-1])
        self.plot("loss", loss, train=True)
        return loss

    def validation_step(self, batch: Sequence[Any]) -> None:
        loss = self.loss(self(*batch[:-1]), batch[-1])
        self.plot("loss", loss, train=False)

    def configure_optimizers(self) -> Any:
        """Minibatch SGD over all parameters at ``self.lr`` (the book's final version, 4.3)."""
        return torch.optim.SGD(self.parameters(), lr=self.lr)

    def apply_init(
        self, inputs: Sequence[Any], init: Callable[[nn.Module], Any] | None = None
    ) -> None:
        """Run ``inputs`` through the model once (lazy layers take their shapes), then ``init``."""
        self.forward(*inputs)
        if init is not None:
            self.net.apply(init)


class Classifier(Module):
    """The base class of classification models: cross-entropy loss, accuracy per epoch."""

    def validation_step(self, batch: Sequence[Any]) -> None:
        Y_hat = self(*batch[:-1])
        self.plot("loss", self.loss(Y_hat, batch[-1]), train=False)
        self.plot("acc", self.accuracy(Y_hat, batch[-1]), train=False)

    def accuracy(self, Y_hat: torch.Tensor, Y: torch.Tensor, averaged: bool = True) -> torch.Tensor:
        """The share of correct predictions (argmax over the last axis), or one 0/1 per example."""
        Y_hat = Y_hat.reshape((-1, Y_hat.shape[-1]))
        preds = Y_hat.argmax(dim=1).type(Y.dtype)
        compare = (preds == Y.reshape(-1)).type(torch.float32)
        return compare.mean() if averaged else compare

    def loss(self, Y_hat: torch.Tensor, Y: torch.Tensor, averaged: bool = True) -> torch.Tensor:
        """Cross-entropy of logits ``(..., C)`` against labels, mean or one per example."""
        Y_hat = Y_hat.reshape((-1, Y_hat.shape[-1]))
        Y = Y.reshape((-1,))
        return F.cross_entropy(Y_hat, Y, reduction="mean" if averaged else "none")

    def layer_summary(self, X_shape: Sequence[int]) -> None:
        """Print each layer's output shape for a random input of ``X_shape``."""
        X = torch.randn(*X_shape)
        for layer in self.net:
            X = layer(X)
            print(layer.__class__.__name__, "output shape:\t", X.shape)
