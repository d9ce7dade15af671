"""A boring recipe for run tests: 96 synthetic 28x28 "images" of 10 classes, softmax regression."""

from __future__ import annotations

import pytest
import torch

from d2lkit.data import TensorLoader
from d2lkit.experiments import (
    DataConfig,
    ModelConfig,
    OptimConfig,
    Recipe,
    RunConfig,
    TrainConfig,
    apply_overrides,
    run_recipe,
)
from d2lkit.experiments.builders.data import DATA, DataSpec, RunData


def _blobs(config, *, device, seed, root, n: int = 96):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 10, (n,), generator=g)
    X = torch.randn(n, 1, 28, 28, generator=g) + y.float().view(-1, 1, 1, 1) / 5
    train = TensorLoader(X, y, batch_size=config.batch_size, shuffle=True, seed=seed, device=device)
    return RunData(train, {"test": TensorLoader(X, y, batch_size=64, device=device)})


@pytest.fixture
def recipe(monkeypatch):
    monkeypatch.setitem(DATA._entries, "blobs", DataSpec("blobs", _blobs))
    config = RunConfig(
        data=DataConfig(dataset="blobs", batch_size=32),
        model=ModelConfig(name="softmax_regression"),
        optim=OptimConfig(lr=0.1),
        train=TrainConfig(epochs=2, device="cpu"),
    )
    return Recipe(name="blobs-softmax", section="0", title="test", config=config)


def _run_blobs(recipe, tmp_path, *overrides, **kw):
    config = apply_overrides(recipe.config, list(overrides))
    return run_recipe(recipe, config, out=tmp_path, progress=False, download=False, **kw)


@pytest.fixture
def run_blobs():
    """``run_blobs(recipe, tmp_path, "train.epochs=1", ...)``: run it quietly into tmp_path."""
    return _run_blobs
