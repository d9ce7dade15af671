"""Recipes: each builds and runs; a real short run learns and writes its run folder."""

from __future__ import annotations

import json

import pytest
import torch

from d2lkit.errors import ConfigError
from d2lkit.experiments import apply_overrides, get_recipe, list_recipes, run_recipe
from d2lkit.experiments.components import build_loss, build_optimizer
from d2lkit.models import create_model, init_weights

BOOK_RECIPES = [
    "softmax-regression",
    "softmax-regression-scratch",
    "mlp",
    "mlp-scratch",
    "lenet",
    "lenet-bn",
    "lenet-bn-scratch",
]


def test_every_book_recipe_of_the_foundation_is_registered_with_its_figure():
    names = [r.name for r in list_recipes()]
    assert set(BOOK_RECIPES) <= set(names)
    for name in BOOK_RECIPES:
        recipe = get_recipe(name)
        assert recipe.expected is not None and recipe.expected.metric == "test_acc"
        assert recipe.config.data.batch_size == 256 and recipe.config.train.epochs == 10


@pytest.mark.parametrize("name", BOOK_RECIPES)
def test_each_recipe_takes_one_training_step_on_a_fashion_mnist_sized_batch(name):
    config = get_recipe(name).config
    torch.manual_seed(0)
    model = create_model(config.model.name, **config.model.kwargs)
    if config.model.init:
        init_weights(model, config.model.init)
    loss_fn = build_loss(config.train.loss)
    optimizer = build_optimizer(config.optim, model.parameters())
    X, y = torch.rand(8, 1, 28, 28), torch.randint(0, 10, (8,))
    loss = loss_fn(model(X), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    assert torch.isfinite(loss_fn(model(X), y))


def test_book_hyperparameters_are_the_books():
    assert get_recipe("softmax-regression").config.optim.lr == 0.1
    assert get_recipe("lenet").config.optim.lr == 0.9
    assert get_recipe("lenet").config.model.init == "xavier_uniform"
    assert get_recipe("lenet-bn").config.optim.lr == 1.0
    assert get_recipe("softmax-regression-scratch").config.train.loss == "cross_entropy_scratch"


def test_unknown_recipe_suggests_the_closest_names():
    with pytest.raises(ConfigError) as info:
        get_recipe("lenet-bm")
    assert "lenet-bn" in info.value.fix


@pytest.mark.slow
def test_one_epoch_of_softmax_regression_passes_75_percent_and_writes_the_run(data_root, tmp_path):
    config = apply_overrides(get_recipe("softmax-regression").config, ["train.epochs=1"])
    result = run_recipe(
        get_recipe("softmax-regression"), config, out=tmp_path, data_root=data_root, progress=False
    )
    assert result.history[-1]["test_acc"] > 0.75
    files = sorted(p.name for p in result.run_dir.iterdir())
    assert files == [
        "checkpoint.pt",
        "config.json",
        "curves.png",
        "metrics.csv",
        "metrics.jsonl",
        "summary.json",
    ]
    assert result.run_dir.parent == tmp_path / "softmax-regression"
    saved = json.loads((result.run_dir / "config.json").read_text())
    assert saved["config"]["train"]["epochs"] == 1 and saved["versions"]["torch"]
    summary = json.loads((result.run_dir / "summary.json").read_text())
    assert summary["final"]["test_acc"] == result.history[-1]["test_acc"]
    assert summary["book"]["book"] == 0.83


@pytest.mark.slow
def test_resuming_after_epoch_one_ends_with_the_weights_of_an_uninterrupted_run(
    data_root, tmp_path
):
    recipe = get_recipe("softmax-regression-scratch")  # shuffled: the loader state matters
    three = apply_overrides(recipe.config, ["train.epochs=3"])
    one = apply_overrides(recipe.config, ["train.epochs=1"])
    full = run_recipe(recipe, three, out=tmp_path / "full", data_root=data_root, progress=False)
    part = run_recipe(recipe, one, out=tmp_path / "part", data_root=data_root, progress=False)
    resumed = run_recipe(
        recipe,
        three,
        out=tmp_path / "unused",
        data_root=data_root,
        resume=part.run_dir,
        progress=False,
    )
    assert resumed.run_dir == part.run_dir and resumed.summary["resumed_from_epoch"] == 1
    a = torch.load(full.run_dir / "checkpoint.pt", weights_only=True)["model"]
    b = torch.load(part.run_dir / "checkpoint.pt", weights_only=True)["model"]
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=0, atol=0)
    assert [r["test_acc"] for r in resumed.history] == [r["test_acc"] for r in full.history]
