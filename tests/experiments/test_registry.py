"""The recipe registry: the book's recipes are there with the book's settings and figures."""

from __future__ import annotations

import pytest
import torch

from d2lkit.errors import ConfigError
from d2lkit.experiments import get_recipe, list_recipes
from d2lkit.experiments.builders.losses import build_loss
from d2lkit.experiments.builders.optimizers import build_optimizer
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
