"""The book's training loops (train_ch3/6/8/11, train_seq2seq), run by d2lkit's Trainer.

Each loop builds a :class:`~d2lkit.train.Trainer` with the task that fits
(classification, language model, seq2seq, regression), wraps the book's
plain-function nets and functional updaters (:mod:`d2lkit.compat.adapters`),
draws the book's curves with :class:`~d2lkit.viz.animator.Animator` from a
callback, and prints the book's closing lines.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch import nn

from d2lkit.compat import book
from d2lkit.compat.adapters import (
    BookLanguageModel,
    FunctionModule,
    as_module,
    params_of,
)
from d2lkit.models.init import init_weights
from d2lkit.scratch import linear as _linear
from d2lkit.scratch import optim as _optim
from d2lkit.scratch.trace import trace_2d
from d2lkit.train import Callback, Classification, LanguageModel, Regression, Seq2Seq, Trainer
from d2lkit.train.callbacks import StepLogger
from d2lkit.train.tasks import Step
from d2lkit.train.timing import Timer
from d2lkit.train.update_function import UpdateFunction
from d2lkit.viz.animator import Animator
from d2lkit.viz.book_plots import show_images

__all__ = [
    "predict_ch3",
    "train_2d",
    "train_ch3",
    "train_ch6",
    "train_ch8",
    "train_ch11",
    "train_concise_ch11",
    "train_epoch_ch3",
    "train_epoch_ch8",
    "train_seq2seq",
]


def _optimizer(updater: Any, net: Any) -> Any:
    """A torch optimiser as is; a book updater ``updater(batch_size)`` behind an adapter."""
    if isinstance(updater, torch.optim.Optimizer):
        return updater
    return UpdateFunction(params_of(net), updater)


def _is_regression_loss(loss: Any) -> bool:
    return isinstance(loss, nn.MSELoss) or loss is _linear.squared_loss


def _device_of(net: Any) -> torch.device:
    return book._data_device(net, None)


# --- 3 ----------------------------------------------------------------------------------


def train_epoch_ch3(
    net: Any, train_iter: Iterable[Any], loss: Any, updater: Any
) -> tuple[float, float]:
    """One training epoch; returns (mean loss, accuracy) over the examples seen.

    Classification unless the loss is a squared error (then accuracy is that
    of the book's rule on 1-column outputs, usually 0).
    """
    regression = _is_regression_loss(loss)
    task = Regression() if regression else Classification()
    trainer = Trainer(
        as_module(net), loss, _optimizer(updater, net), task=task, device=_device_of(net)
    )
    row = trainer.fit(train_iter, None, 1)[-1]
    return row["train_loss"], row.get("train_acc", 0.0)


class _Ch3Curves(Callback):
    def __init__(self, animator: Animator) -> None:
        self.animator = animator

    def on_row(self, trainer: Trainer, row: dict[str, Any]) -> None:
        self.animator.add(row["epoch"], (row["train_loss"], row["train_acc"], row["test_acc"]))


def train_ch3(
    net: Any, train_iter: Iterable[Any], test_iter: Iterable[Any], loss: Any, num_epochs: int,
    updater: Any,
) -> None:  # fmt: skip
    """Train a classifier, plotting loss and accuracies per epoch; check the book's bounds.

    ``net`` may be a module or a function, ``loss`` may keep one value per
    example, ``updater`` a torch optimiser or the book's ``updater(batch_size)``.
    Like the book, ends with ``assert train_loss < 0.5`` and accuracies in (0.7, 1].
    """
    animator = Animator(
        xlabel="epoch", xlim=[1, num_epochs], ylim=[0.3, 0.9],
        legend=["train loss", "train acc", "test acc"],
    )  # fmt: skip
    trainer = Trainer(
        as_module(net), loss, _optimizer(updater, net), device=_device_of(net),
        callbacks=[_Ch3Curves(animator)],
    )  # fmt: skip
    row = trainer.fit(train_iter, {"test": test_iter}, num_epochs)[-1]
    train_loss, train_acc, test_acc = row["train_loss"], row["train_acc"], row["test_acc"]
    assert train_loss < 0.5, train_loss
    assert train_acc <= 1 and train_acc > 0.7, train_acc
    assert test_acc <= 1 and test_acc > 0.7, test_acc


def predict_ch3(net: Any, test_iter: Iterable[Any], n: int = 6) -> None:
    """Show the first ``n`` test images titled with true and predicted labels."""
    X, y = next(iter(test_iter))
    with torch.no_grad():
        preds = as_module(net)(X).argmax(dim=1)
    trues, guesses = book.get_fashion_mnist_labels(y), book.get_fashion_mnist_labels(preds)
    titles = [t + "\n" + p for t, p in zip(trues, guesses, strict=False)]
    show_images(X[0:n].reshape(n, 28, 28), 1, n, titles=titles[0:n])


# --- 6 ----------------------------------------------------------------------------------


class _Ch6Curves(Callback):
    """Train loss/accuracy five times per epoch (running means), test accuracy per epoch."""

    def __init__(self, animator: Animator) -> None:
        self.animator = animator

    def on_epoch_start(self, trainer: Trainer) -> None:
        self.sums = torch.zeros(3, dtype=torch.float64, device=trainer.device)

    def on_batch_end(self, trainer: Trainer, step: Step) -> None:
        self.sums += torch.stack(
            [step.sums["loss"].double(), step.sums["acc"].double(),
             torch.as_tensor(float(step.count), dtype=torch.float64, device=self.sums.device)]
        )  # fmt: skip
        i, batches = trainer.batch_index, len(trainer.train_loader)  # type: ignore[arg-type]
        if (i + 1) % max(batches // 5, 1) == 0 or i == batches - 1:
            loss_sum, correct, n = self.sums.tolist()
            self.animator.add(trainer.epoch + (i + 1) / batches, (loss_sum / n, correct / n, None))

    def on_row(self, trainer: Trainer, row: dict[str, Any]) -> None:
        self.animator.add(row["epoch"], (None, None, row["test_acc"]))


def _speed(history: list[dict[str, Any]], key: str) -> float:
    """Units per second over the whole fit, timing only the training passes."""
    seconds = sum(row["train_time"] for row in history)
    units = sum(row[key] * row["train_time"] for row in history)
    return units / seconds if seconds > 0 else 0.0


def train_ch6(
    net: nn.Module, train_iter: Iterable[Any], test_iter: Iterable[Any], num_epochs: int,
    lr: float, device: Any,
) -> None:  # fmt: skip
    """Train a CNN with SGD and cross-entropy on ``device`` (Xavier-initialised first).

    Prints ``training on <device>``, then ``loss …, train acc …, test acc …``
    and ``… examples/sec on <device>`` as the book does.
    """
    init_weights(net, "xavier_uniform")
    print("training on", device)
    animator = Animator(
        xlabel="epoch", xlim=[1, num_epochs], legend=["train loss", "train acc", "test acc"]
    )
    trainer = Trainer(
        net, nn.CrossEntropyLoss(), torch.optim.SGD(net.parameters(), lr=lr),
        device=device, callbacks=[_Ch6Curves(animator)],
        channels_last="auto",  # NHWC for chapter 7's 96-224 px images on a CPU: faster
    )  # fmt: skip
    try:
        history = trainer.fit(train_iter, {"test": test_iter}, num_epochs)
    finally:  # the book's later cells see the usual layout again
        if trainer.channels_last is True:
            net.to(memory_format=torch.contiguous_format)
    row = history[-1]
    print(
        f"loss {row['train_loss']:.3f}, train acc {row['train_acc']:.3f}, "
        f"test acc {row['test_acc']:.3f}"
    )
    print(f"{_speed(history, 'examples_per_sec'):.1f} examples/sec on {device}")


# --- 8 ----------------------------------------------------------------------------------


def _ch8_updater(net: Any, lr: float) -> Any:
    if isinstance(net, nn.Module):
        return torch.optim.SGD(net.parameters(), lr)
    params = params_of(net)
    return UpdateFunction(params, lambda batch_size: _optim.sgd(params, lr, batch_size), lr)


def _ch8_trainer(
    net: Any, updater: Any, device: Any, use_random_iter: bool, callbacks: list[Callback]
) -> Trainer:
    return Trainer(
        BookLanguageModel(net), nn.CrossEntropyLoss(), _optimizer(updater, net),
        task=LanguageModel(random_sampling=use_random_iter), device=device, grad_clip=1.0,
        callbacks=callbacks,
    )  # fmt: skip


def train_epoch_ch8(
    net: Any, train_iter: Iterable[Any], loss: Any, updater: Any, device: Any,
    use_random_iter: bool,
) -> tuple[float, float]:  # fmt: skip
    """One epoch of a language model (state carried, gradients clipped to 1).

    Returns (perplexity, tokens/sec). ``loss`` is the book's cross-entropy (unused: the task's).
    """
    trainer = _ch8_trainer(net, updater, device, use_random_iter, [])
    row = trainer.fit(train_iter, None, 1)[-1]
    return row["train_ppl"], row["tokens_per_sec"]


class _Ch8Progress(Callback):
    def __init__(self, animator: Animator, predict: Callable[[str], str]) -> None:
        self.animator, self.predict = animator, predict

    def on_row(self, trainer: Trainer, row: dict[str, Any]) -> None:
        if row["epoch"] % 10 == 0:
            print(self.predict("time traveller"))
            self.animator.add(row["epoch"], [row["train_ppl"]])


def train_ch8(
    net: Any, train_iter: Iterable[Any], vocab: Any, lr: float, num_epochs: int, device: Any,
    use_random_iter: bool = False,
) -> None:  # fmt: skip
    """Train a character language model with SGD; print samples and perplexity as the book does.

    Every 10 epochs prints a sample after "time traveller" and plots perplexity;
    at the end prints ``困惑度 <ppl>, <speed> 词元/秒 <device>`` and two samples.
    """
    animator = Animator(
        xlabel="epoch", ylabel="perplexity", legend=["train"], xlim=[10, num_epochs]
    )

    def predict(prefix: str) -> str:
        return book.predict_ch8(prefix, 50, net, vocab, device)

    trainer = _ch8_trainer(
        net, _ch8_updater(net, lr), device, use_random_iter, [_Ch8Progress(animator, predict)]
    )
    row = trainer.fit(train_iter, None, num_epochs)[-1]
    print(f"困惑度 {row['train_ppl']:.1f}, {row['tokens_per_sec']:.1f} 词元/秒 {device}")
    print(predict("time traveller"))
    print(predict("traveller"))


# --- 9 ----------------------------------------------------------------------------------


class _EveryTenEpochs(Callback):
    def __init__(self, animator: Animator, scale: float) -> None:
        self.animator, self.scale = animator, scale

    def on_row(self, trainer: Trainer, row: dict[str, Any]) -> None:
        if row["epoch"] % 10 == 0:
            self.animator.add(row["epoch"], (row["train_loss"] * self.scale,))


def train_seq2seq(
    net: nn.Module, data_iter: Any, lr: float, num_epochs: int, tgt_vocab: Any, device: Any
) -> None:
    """Train an encoder-decoder with Adam, teacher forcing and a masked loss (clip 1).

    Prints ``loss …, … tokens/sec on <device>``; the loss is the book's (per-token
    loss divided by the number of steps, as its masked loss averages over them).
    It backpropagates the book's ``l.sum()`` too, so the clip at 1 acts as in the book.
    """
    init_weights(net, "xavier_uniform")
    num_steps = next(iter(data_iter))[2].shape[1]
    animator = Animator(xlabel="epoch", ylabel="loss", xlim=[10, num_epochs])
    trainer = Trainer(
        net, nn.CrossEntropyLoss(reduction="none"), torch.optim.Adam(net.parameters(), lr=lr),
        task=Seq2Seq(bos=tgt_vocab["<bos>"], reduction="sequence_sum"), device=device,
        grad_clip=1.0,
        callbacks=[_EveryTenEpochs(animator, 1 / num_steps)],
    )  # fmt: skip
    row = trainer.fit(data_iter, None, num_epochs)[-1]
    print(
        f"loss {row['train_loss'] / num_steps:.3f}, {row['tokens_per_sec']:.1f} "
        f"tokens/sec on {device}"
    )


# --- 11 ---------------------------------------------------------------------------------


def train_2d(
    trainer: Callable[..., Any], steps: int = 20, f_grad: Callable[..., Any] | None = None
) -> list[tuple[Any, Any]]:
    """Run a 2-D update rule from (-5, -2); print the last point; return the path."""
    results = trace_2d(trainer, steps, f_grad)
    x1, x2 = results[-1]
    print(f"epoch {steps}, x1: {float(x1):f}, x2: {float(x2):f}")
    return results


class _LossEvery200(StepLogger):
    """The book's chapter-11 curve: loss over all data every 200 examples, eval time excluded."""

    def __init__(self, loader: Any, animator: Animator, scale: float) -> None:
        super().__init__(os.path.join(tempfile.gettempdir(), "unused-steps.csv"), 200, loader)
        self.animator, self.scale = animator, scale
        self.timer = Timer()

    def on_fit_start(self, trainer: Trainer) -> None:
        super().on_fit_start(trainer)
        self.timer = Timer()

    def on_batch_end(self, trainer: Trainer, step: Step) -> None:
        if trainer.examples_seen % self.every:  # the book's test: a multiple of 200 examples
            return
        self._next = trainer.examples_seen
        self.timer.stop()
        super().on_batch_end(trainer, step)
        row = self.rows[-1]
        self.animator.add(row["epoch"], (row["loss"] * self.scale,))
        self.timer.start()

    def on_epoch_end(self, trainer: Trainer) -> None:  # the rows stay in memory
        pass


def _ch11_fit(
    net: nn.Module, loss: Any, optimizer: Any, data_iter: Any, num_epochs: int, scale: float
) -> _LossEvery200:
    animator = Animator(xlabel="epoch", ylabel="loss", xlim=[0, num_epochs], ylim=[0.22, 0.35])
    curve = _LossEvery200(data_iter, animator, scale)
    trainer = Trainer(
        net, loss, optimizer, task=Regression(), device=_device_of(net), callbacks=[curve]
    )
    trainer.fit(data_iter, None, num_epochs)
    assert animator.Y is not None, "no loss was logged: fewer than 200 examples were seen"
    print(f"loss: {animator.Y[0][-1]:.3f}, {curve.timer.avg():.3f} sec/epoch")
    curve.animator = animator
    return curve


def train_ch11(
    trainer_fn: Callable[..., Any], states: Any, hyperparams: dict[str, Any], data_iter: Any,
    feature_dim: int, num_epochs: int = 2,
) -> tuple[list[float], list[float]]:  # fmt: skip
    """Linear regression with the book's functional ``trainer_fn(params, states, hyperparams)``.

    Returns (cumulative training seconds, losses) of the points plotted every 200 examples.
    """
    w = torch.normal(mean=0.0, std=0.01, size=(feature_dim, 1), requires_grad=True)
    b = torch.zeros((1,), requires_grad=True)
    net = FunctionModule(lambda X: _linear.linreg(X, w, b), [w, b])
    optimizer = UpdateFunction(
        [w, b], lambda: trainer_fn([w, b], states, hyperparams),
        hyperparams.get("lr", math.nan), takes_batch_size=False,
    )  # fmt: skip
    curve = _ch11_fit(net, _linear.squared_loss, optimizer, data_iter, num_epochs, 1.0)
    return curve.timer.cumsum(), list(curve.animator.Y[0])  # type: ignore[index]


def train_concise_ch11(
    trainer_fn: Callable[..., Any], hyperparams: dict[str, Any], data_iter: Any,
    num_epochs: int = 4,
) -> None:  # fmt: skip
    """Linear regression with a torch optimiser class ``trainer_fn(params, **hyperparams)``."""
    net = nn.Sequential(nn.Linear(5, 1))
    init_weights(net, "normal")
    optimizer = trainer_fn(net.parameters(), **hyperparams)
    # MSELoss has no 1/2: the curve halves it to match squared_loss
    _ch11_fit(net, nn.MSELoss(reduction="none"), optimizer, data_iter, num_epochs, 0.5)
