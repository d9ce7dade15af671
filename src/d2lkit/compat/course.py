"""Names of the older course notes (``d2lzh`` / ``d2lzh_pytorch`` / ``d2lzh1981``).

Where the first-edition PyTorch port differs from the book's ``d2l.torch``:
argument order (``evaluate_accuracy(data_iter, net)``), an optimiser passed in
(``train_ch5``), a ``root`` for Fashion-MNIST, two-value 2-D trainers, and
the layers ``FlattenLayer`` / ``GlobalAvgPool2d``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import torch
from torch import nn

from d2lkit.compat import book
from d2lkit.compat.adapters import as_module, book_data_advice
from d2lkit.data import TensorLoader
from d2lkit.data import vision as _vision
from d2lkit.models import resnet as _resnet
from d2lkit.scratch.trace import trace_2d
from d2lkit.train import Callback, Trainer

__all__ = [
    "FlattenLayer",
    "GlobalAvgPool2d",
    "Residual",
    "evaluate_accuracy",
    "load_data_fashion_mnist",
    "show_trace_2d",
    "train_2d",
    "train_ch5",
]


class FlattenLayer(nn.Flatten):
    """``(B, ...) -> (B, -1)``; the first edition's name for ``nn.Flatten()``."""


class GlobalAvgPool2d(nn.AdaptiveAvgPool2d):
    """Average over height and width: ``(B, C, H, W) -> (B, C, 1, 1)``."""

    def __init__(self) -> None:
        super().__init__((1, 1))


class Residual(_resnet.Residual):
    """``Residual(in_channels, out_channels, use_1x1conv=False, stride=1)`` (first edition)."""

    def __init__(
        self, in_channels: int, out_channels: int, use_1x1conv: bool = False, stride: int = 1
    ) -> None:
        super().__init__(in_channels, out_channels, use_1x1conv=use_1x1conv, strides=stride)


@book_data_advice("or pass root= a folder whose fashion-mnist/ holds them")
def load_data_fashion_mnist(
    batch_size: int, resize: int | None = None, root: str | None = None
) -> tuple[TensorLoader, TensorLoader]:
    """(train, test) Fashion-MNIST loaders; ``root`` is used if it holds ``fashion-mnist/``.

    The notes' roots (``~/Datasets/FashionMNIST``, ``/home/kesci/input/...``)
    hold torchvision's layout; d2lkit reads its own data directory
    (``$D2LKIT_DATA``) unless ``root`` has a ``fashion-mnist`` folder.
    """
    here = root is not None and (Path(root).expanduser() / "fashion-mnist").is_dir()
    return _vision.fashion_mnist_loaders(
        batch_size, resize, root=root if here else None, seed=book._seed()
    )


def evaluate_accuracy(data_iter: Iterable[Any], net: Any, device: Any = None) -> float:
    """Accuracy of ``net`` over ``data_iter`` (data first, as in the course notes)."""
    return book.evaluate_accuracy_gpu(net, data_iter, device)


class _EpochLine(Callback):
    """The notes' per-epoch line: loss, train acc, test acc, time."""

    def on_epoch_start(self, trainer: Trainer) -> None:
        self.start = time.perf_counter()

    def on_row(self, trainer: Trainer, row: dict[str, Any]) -> None:
        seconds = time.perf_counter() - self.start
        print(
            f"epoch {row['epoch']}, loss {row['train_loss']:.4f}, "
            f"train acc {row['train_acc']:.3f}, test acc {row['test_acc']:.3f}, "
            f"time {seconds:.1f} sec"
        )


def train_ch5(
    net: nn.Module,
    train_iter: Iterable[Any],
    test_iter: Iterable[Any],
    batch_size: int,
    optimizer: torch.optim.Optimizer,
    device: Any,
    num_epochs: int,
) -> None:
    """Train with cross-entropy and the given optimiser; one line per epoch, as the notes print.

    ``batch_size`` is accepted for the old signature; the loaders decide it.
    """
    print("training on ", device)
    trainer = Trainer(
        as_module(net), nn.CrossEntropyLoss(), optimizer, device=device, callbacks=[_EpochLine()]
    )
    trainer.fit(train_iter, {"test": test_iter}, num_epochs)


def train_2d(trainer: Callable[..., Any], steps: int = 20) -> list[tuple[Any, Any]]:
    """A 2-D rule from (-5, -2): ``trainer(x1, x2, s1, s2)`` returning 4 values, or 2."""

    def update(x1: Any, x2: Any, s1: Any, s2: Any) -> tuple[Any, Any, Any, Any]:
        out = trainer(x1, x2, s1, s2) if _arity(trainer) >= 4 else trainer(x1, x2)
        return (*out, s1, s2) if len(out) == 2 else out

    results = trace_2d(update, steps)
    x1, x2 = results[-1]
    print(f"epoch {steps}, x1 {float(x1):f}, x2 {float(x2):f}")
    return results


def _arity(fn: Callable[..., Any]) -> int:
    import inspect

    try:
        return len(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return 4


def show_trace_2d(f: Callable[[Any, Any], Any], results: Any) -> None:
    """The book's trace over contours of ``f`` (numpy or torch functions of two tensors)."""
    from d2lkit.viz.book_plots import show_trace_2d as _show

    _show(f, results)
