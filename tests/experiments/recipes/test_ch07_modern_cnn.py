"""Chapter 7's modern CNNs: the book's settings, one step each at the book's resolution."""

from __future__ import annotations

import pytest
import torch

from d2lkit.errors import ConfigError
from d2lkit.experiments import apply_overrides, get_recipe, run_recipe
from d2lkit.experiments.builders.data import build_data
from d2lkit.experiments.builders.losses import build_loss
from d2lkit.experiments.builders.optimizers import build_optimizer
from d2lkit.models import create_model, init_weights

# recipe: (model, pixels, lr, batch) as d2l-zh 2.0 sets them
BOOK = {
    "alexnet": ("alexnet", 224, 0.01, 128),
    "vgg": ("vgg11", 224, 0.05, 128),
    "nin": ("nin", 224, 0.1, 128),
    "googlenet": ("googlenet", 96, 0.1, 128),
    "resnet": ("resnet18", 96, 0.05, 256),
    "densenet": ("densenet", 96, 0.1, 256),
}


@pytest.mark.parametrize("name", BOOK)
def test_each_modern_cnn_recipe_has_the_books_settings(name):
    recipe = get_recipe(name)
    model, pixels, lr, batch = BOOK[name]
    config = recipe.config
    assert (config.model.name, config.data.resize, config.optim.lr) == (model, pixels, lr)
    assert config.data.batch_size == batch and config.train.epochs == 10
    assert config.model.init == "xavier_uniform"
    assert recipe.expected is not None and recipe.expected.metric == "test_acc"
    if name == "vgg":
        assert config.model.kwargs == {"ratio": 4}


@pytest.mark.parametrize("name", BOOK)
def test_each_modern_cnn_takes_one_step_at_the_books_resolution(name):
    config = get_recipe(name).config
    torch.manual_seed(0)
    model = create_model(config.model.name, **config.model.kwargs)
    init_weights(model, config.model.init)
    loss_fn = build_loss(config.train.loss)
    optimizer = build_optimizer(config.optim, model.parameters())
    side = config.data.resize
    X, y = torch.rand(2, 1, side, side), torch.tensor([3, 7])
    model.train()
    loss = loss_fn(model(X), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    model.eval()
    with torch.no_grad():
        assert model(X).shape == (2, 10) and torch.isfinite(loss_fn(model(X), y))


def test_data_limit_keeps_the_first_images_of_both_splits(data_root):
    config = apply_overrides(get_recipe("resnet").config, ["data.limit=10", "data.batch_size=4"])
    data = build_data(config.data, device=torch.device("cpu"), seed=0, root=data_root)
    assert data.train.num_examples == 10 and data.evals["test"].num_examples == 10
    X, _ = next(iter(data.train))
    assert X.shape == (4, 1, 96, 96)


def test_data_limit_must_be_positive(data_root):
    config = apply_overrides(get_recipe("resnet").config, ["data.limit=0"])
    with pytest.raises(ConfigError, match=r"data\.limit"):
        build_data(config.data, device=torch.device("cpu"), seed=0, root=data_root)


@pytest.mark.slow
def test_the_quick_setting_trains_a_modern_cnn_through_run_recipe(data_root, tmp_path):
    recipe = get_recipe("googlenet")
    config = apply_overrides(recipe.config, ["train.epochs=1", "data.limit=16"])
    result = run_recipe(recipe, config, out=tmp_path, data_root=data_root, progress=False)
    assert result.summary["book"]["book"] == recipe.expected.value
    assert 0.0 <= result.history[-1]["test_acc"] <= 1.0
    assert (result.run_dir / "checkpoint.pt").exists()
