"""Chapter 6: LeNet (6.6).

Claim: sigmoid LeNet with Xavier init, SGD lr 0.9, batch 256, 10 epochs,
reaches about 0.78 test accuracy on Fashion-MNIST. CPU, seed 0.
"""

from __future__ import annotations

from d2lkit.experiments.config import DataConfig, ModelConfig, OptimConfig, RunConfig, TrainConfig
from d2lkit.experiments.recipe import Expected, Recipe

__all__ = ["RECIPES"]

RECIPES = (
    Recipe(
        name="lenet",
        section="6.6",
        title="LeNet-5: sigmoid, average pooling, Xavier init",
        config=RunConfig(
            data=DataConfig(batch_size=256),
            model=ModelConfig(name="lenet", init="xavier_uniform"),
            optim=OptimConfig(name="sgd", lr=0.9),
            # NHWC trains this LeNet 1.23x faster at 28 px, same accuracy to 4 digits
            # (docs/training.md, "Memory format"); "auto" keeps NCHW below 64 px
            # because LeNet-BN is slower in NHWC there.
            train=TrainConfig(epochs=10, channels_last=True),
        ),
        expected=Expected(
            metric="test_acc",
            value=0.78,
            tolerance=0.02,
            source="d2l 6.6 prints test acc 0.78-0.79 after 10 epochs",
        ),
    ),
)
