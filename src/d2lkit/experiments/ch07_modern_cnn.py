"""Chapter 7: batch normalisation (7.5), built in and from scratch.

Claim: LeNet with batch norm before each sigmoid, Xavier init (the book's
``train_ch6`` applies it to every model), SGD lr 1.0, batch 256, 10 epochs,
reaches about 0.84 test accuracy on Fashion-MNIST (the book prints 0.71-0.84
across its editions: at lr 1.0 the test accuracy swings from epoch to epoch).
CPU, seed 0.
"""

from __future__ import annotations

from d2lkit.experiments.config import DataConfig, ModelConfig, OptimConfig, RunConfig, TrainConfig
from d2lkit.experiments.recipe import Expected, Recipe

__all__ = ["RECIPES"]

_BN_EXPECTED = Expected(
    metric="test_acc",
    value=0.84,
    tolerance=0.03,
    source="d2l 7.5 prints test acc 0.84 after 10 epochs (older editions down to 0.71)",
)

RECIPES = (
    Recipe(
        name="lenet-bn",
        section="7.5",
        title="LeNet with nn.BatchNorm before each sigmoid",
        config=RunConfig(
            data=DataConfig(batch_size=256),
            model=ModelConfig(name="lenet_bn", init="xavier_uniform"),
            optim=OptimConfig(name="sgd", lr=1.0),
            train=TrainConfig(epochs=10),
        ),
        expected=_BN_EXPECTED,
    ),
    Recipe(
        name="lenet-bn-scratch",
        section="7.5",
        title="LeNet with the from-scratch BatchNorm",
        config=RunConfig(
            data=DataConfig(batch_size=256),
            model=ModelConfig(name="lenet_bn_scratch", init="xavier_uniform"),
            optim=OptimConfig(name="sgd", lr=1.0),
            train=TrainConfig(epochs=10),
        ),
        expected=_BN_EXPECTED,
    ),
)
