"""Two popular PyTorch courses as recipes: Liu Er's lessons and the PyTorch handbook.

The course (Liu Er, "PyTorch deep learning practice", lessons 2-9) builds up
from y = w x on three points to an MNIST classifier; the handbook (zergtant's
pytorch-handbook, chapter 1.3.4) trains PyTorch's 60-minute-tutorial CNN on
CIFAR-10. Claims (CPU, seed 0):
- lessons 2-4 (function recipes: the course's own loops; ``optim.lr`` is the
  step size, ``train.epochs`` the epochs): on x = 1, 2, 3 and y = 2x the cost
  is lowest at w = 2; gradient descent, SGD and autograd all bring w from 1 to
  2 in 100 epochs at lr 0.01 (the course predicts 8.0 for x = 4).
- lesson 6: logistic regression on (1, 0), (2, 0), (3, 1), summed BCE, 1000
  epochs of SGD lr 0.01: p(pass) rises with hours (pass.png).
- lessons 7-8: the 8-6-4-1 sigmoid MLP on diabetes through a ``Dataset`` and
  ``DataLoader`` (batch 32, shuffled), SGD lr 0.01, 100 epochs: the loss
  stays near 0.64, barely below the 0.644 of always predicting the majority
  class, as the course's printed loss does.
- lesson 9: 784-512-256-128-64-10 ReLU MLP on MNIST, SGD lr 0.01 momentum 0.5,
  batch 64, 10 epochs: about 97% test accuracy (MNIST must be fetched).
- handbook: the tutorial CNN, batch 4, SGD lr 0.001 momentum 0.9, 2 epochs:
  about 54% test accuracy on CIFAR-10 (``handbook-cifar10-tiny`` runs it on
  the 1,000-image sample: a check that it runs, not a result).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from d2lkit.experiments.config import (
    DataConfig,
    ModelConfig,
    OptimConfig,
    RunConfig,
    TaskConfig,
    TrainConfig,
)
from d2lkit.experiments.recipe import Expected, Recipe

__all__ = ["RECIPES"]

_COURSE = "Liu Er, PyTorch deep learning practice"


def _exhaustive(config: RunConfig, run_dir: Path, root: Any) -> dict[str, float]:
    from d2lkit.experiments.functions.course_loops import exhaustive

    return exhaustive(config, run_dir)


def _gd(config: RunConfig, run_dir: Path, root: Any) -> dict[str, float]:
    from d2lkit.experiments.functions.course_loops import gradient_descent

    return gradient_descent(config, run_dir)


def _sgd(config: RunConfig, run_dir: Path, root: Any) -> dict[str, float]:
    from d2lkit.experiments.functions.course_loops import stochastic_gd

    return stochastic_gd(config, run_dir)


def _backprop(config: RunConfig, run_dir: Path, root: Any) -> dict[str, float]:
    from d2lkit.experiments.functions.course_loops import backprop

    return backprop(config, run_dir)


def _loop(lr: float, epochs: int) -> RunConfig:
    """A hand-written loop's settings (no data set is read: the three points are inline)."""
    return RunConfig(
        data=DataConfig(dataset="none", batch_size=1),
        model=ModelConfig(name="none"),
        optim=OptimConfig(name="sgd", lr=lr),
        task=TaskConfig(name="none"),
        train=TrainConfig(epochs=epochs, loss="none"),
    )


def _w_is_2(lesson: str) -> Expected:
    return Expected("cost", 0.0, 1e-6, f"{_COURSE}, {lesson}: w reaches 2.0, predict(4) = 8.0")


def _pass_callbacks(run: Any) -> list[Any]:
    from d2lkit.experiments.callbacks.course import pass_curve_callbacks

    return pass_curve_callbacks(run)


def _full_loss_callbacks(run: Any) -> list[Any]:
    from d2lkit.experiments.callbacks.course import full_loss_callbacks

    return full_loss_callbacks(run)


def _cifar(dataset: str) -> RunConfig:
    return RunConfig(
        data=DataConfig(dataset=dataset, batch_size=4, eval_batch_size=256),
        model=ModelConfig(name="lenet_relu", kwargs={"in_channels": 3, "padding": 0}),
        optim=OptimConfig(name="sgd", lr=0.001, momentum=0.9),
        train=TrainConfig(epochs=2),
    )


RECIPES = (
    Recipe(
        name="course-linear-exhaustive",
        section="course 2",
        title="Linear model y = w x: MSE for every w in 0..4 (cost.png)",
        config=_loop(0.1, 1),
        expected=Expected(
            "w", 2.0, 1e-9, f"{_COURSE}, lesson 2: the cost curve is lowest at w = 2.0", near=True
        ),
        program=_exhaustive,
    ),
    Recipe(
        name="course-gd",
        section="course 3",
        title="Gradient descent on y = 2x: w from 1, lr 0.01, 100 epochs",
        config=_loop(0.01, 100),
        expected=_w_is_2("lesson 3 (gradient descent)"),
        program=_gd,
    ),
    Recipe(
        name="course-sgd",
        section="course 3",
        title="Stochastic gradient descent on y = 2x: one update per point, 100 epochs",
        config=_loop(0.01, 100),
        expected=_w_is_2("lesson 3 (stochastic gradient descent)"),
        program=_sgd,
    ),
    Recipe(
        name="course-backprop",
        section="course 4",
        title="Back propagation: autograd's gradient of (w x - y)^2, per point, 100 epochs",
        config=_loop(0.01, 100),
        expected=_w_is_2("lesson 4 (back propagation)"),
        program=_backprop,
    ),
    Recipe(
        name="course-logistic",
        section="course 6",
        title="Logistic regression: hours studied -> pass, summed BCE, 1000 epochs (pass.png)",
        config=RunConfig(
            data=DataConfig(dataset="course-hours", batch_size=3),
            model=ModelConfig(name="logistic_regression"),
            optim=OptimConfig(name="sgd", lr=0.01),
            task=TaskConfig(name="regression"),
            train=TrainConfig(epochs=1000, loss="bce_sum"),
        ),
        notes="train_loss is the course's summed BCE over the three students.",
        callbacks=_pass_callbacks,
    ),
    Recipe(
        name="course-diabetes",
        section="course 8",
        title="Diabetes: 8-6-4-1 sigmoid MLP, BCE, Dataset + DataLoader (batch 32), 100 epochs",
        config=RunConfig(
            data=DataConfig(dataset="diabetes", batch_size=32),
            model=ModelConfig(name="diabetes_mlp"),
            optim=OptimConfig(name="sgd", lr=0.01),
            task=TaskConfig(name="regression"),
            train=TrainConfig(epochs=100, loss="bce"),
        ),
        expected=Expected(
            "full_loss",
            0.644,
            0.01,
            f"{_COURSE}, lessons 7-8: the printed loss stays near 0.64-0.65",
        ),
        callbacks=_full_loss_callbacks,
    ),
    Recipe(
        name="course-mnist-softmax",
        section="course 9",
        title="MNIST: 784-512-256-128-64-10 ReLU MLP, SGD lr 0.01 momentum 0.5, batch 64",
        config=RunConfig(
            data=DataConfig(dataset="mnist", batch_size=64, eval_batch_size=1000),
            model=ModelConfig(name="mlp", kwargs={"hidden": (512, 256, 128, 64)}),
            optim=OptimConfig(name="sgd", lr=0.01, momentum=0.5),
            train=TrainConfig(epochs=10),
        ),
        expected=Expected(
            "test_acc", 0.97, 0.01, f"{_COURSE}, lesson 9: 'accuracy on test set: 97 %'"
        ),
    ),
    Recipe(
        name="handbook-cifar10",
        section="handbook 1.3.4",
        title="CIFAR-10 with the 60-minute tutorial's CNN: batch 4, SGD lr 0.001 momentum 0.9",
        config=_cifar("cifar-10"),
        expected=Expected(
            "test_acc",
            0.54,
            0.05,
            "pytorch-handbook 1.3.4 / PyTorch's tutorial: 'Accuracy of the network on the "
            "10000 test images: 54 %'",
        ),
    ),
    Recipe(
        name="handbook-cifar10-tiny",
        section="handbook 1.3.4",
        title="The tutorial's CNN on the 1,000-image CIFAR-10 sample (800 train / 200 test)",
        config=_cifar("cifar10-tiny"),
        notes="A check that the recipe runs without the full CIFAR-10; not the handbook's figure.",
    ),
)
