"""Chapter 4: multilayer perceptrons, concise (4.3) and from scratch (4.2).

Claim: one hidden layer of 256 ReLUs, 10 epochs of SGD (lr 0.1, batch 256),
reaches about 0.85 test accuracy on Fashion-MNIST. CPU, seed 0, about 10 s.
"""

from __future__ import annotations

from d2lkit.experiments.config import DataConfig, ModelConfig, OptimConfig, RunConfig, TrainConfig
from d2lkit.experiments.recipe import Expected, Recipe

__all__ = ["RECIPES"]

_MLP_EXPECTED = Expected(
    metric="test_acc",
    value=0.85,
    tolerance=0.02,
    source="d2l 4.2/4.3 training plots, test acc ~0.85 after 10 epochs",
)

RECIPES = (
    Recipe(
        name="mlp",
        section="4.3",
        title="MLP (concise): 784-256-10, ReLU",
        config=RunConfig(
            data=DataConfig(batch_size=256),
            model=ModelConfig(name="mlp", init="normal", kwargs={"hidden": (256,)}),
            optim=OptimConfig(name="sgd", lr=0.1),
            train=TrainConfig(epochs=10),
        ),
        expected=_MLP_EXPECTED,
    ),
    Recipe(
        name="mlp-scratch",
        section="4.2",
        title="MLP from scratch: hand-made parameters and ReLU",
        config=RunConfig(
            data=DataConfig(batch_size=256),
            model=ModelConfig(name="mlp_scratch"),
            optim=OptimConfig(name="sgd", lr=0.1),
            train=TrainConfig(epochs=10),
        ),
        expected=_MLP_EXPECTED,
        notes="as in the book, the model is scratch while the loss and SGD are torch's",
    ),
)
