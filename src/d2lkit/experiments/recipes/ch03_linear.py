"""Chapter 3: softmax regression, concise (3.7) and from scratch (3.6).

Claim: 10 epochs of SGD (lr 0.1, batch 256) on Fashion-MNIST reach about 0.83
test accuracy, as the book prints. CPU, seed 0, about 3 s.
"""

from __future__ import annotations

from d2lkit.experiments.config import DataConfig, ModelConfig, OptimConfig, RunConfig, TrainConfig
from d2lkit.experiments.recipe import Expected, Recipe

__all__ = ["RECIPES"]

_SOFTMAX_EXPECTED = Expected(
    metric="test_acc",
    value=0.83,
    tolerance=0.01,
    source="d2l 3.6/3.7 training plots, test acc ~0.83 after 10 epochs",
)

RECIPES = (
    Recipe(
        name="softmax-regression",
        section="3.7",
        title="Softmax regression (concise) on Fashion-MNIST",
        config=RunConfig(
            data=DataConfig(batch_size=256),
            model=ModelConfig(name="softmax_regression", init="normal"),
            optim=OptimConfig(name="sgd", lr=0.1),
            train=TrainConfig(epochs=10, loss="cross_entropy"),
        ),
        expected=_SOFTMAX_EXPECTED,
    ),
    Recipe(
        name="softmax-regression-scratch",
        section="3.6",
        title="Softmax regression from scratch: scratch softmax, cross-entropy and SGD",
        config=RunConfig(
            data=DataConfig(batch_size=256),
            model=ModelConfig(name="softmax_regression_scratch"),
            optim=OptimConfig(name="sgd_scratch", lr=0.1),
            train=TrainConfig(epochs=10, loss="cross_entropy_scratch"),
        ),
        expected=_SOFTMAX_EXPECTED,
    ),
)
