"""A run's model: built, initialised, whitened, and refused before any folder if it cannot fit."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from d2lkit.errors import ConfigError
from d2lkit.experiments import apply_overrides, get_recipe, run_recipe
from d2lkit.experiments.builders.models import check_input
from d2lkit.experiments.run.build import build_run
from d2lkit.models import create_model


def test_alexnet_on_28_pixel_images_is_refused_naming_model_input_and_fix(tmp_path, data_root):
    recipe = get_recipe("lenet-bn")
    config = apply_overrides(recipe.config, ["model.name=alexnet"])
    with pytest.raises(ConfigError) as info:
        run_recipe(recipe, config, out=tmp_path, data_root=data_root, progress=False)
    message = info.value.message
    assert "'alexnet'" in message and "'lenet-bn+alexnet'" in message and "28x28" in message
    assert "--set data.resize=" in info.value.fix
    assert list(tmp_path.iterdir()) == []  # no run folder, not even an empty one


def test_the_fix_names_the_smallest_side_that_fits():
    model = create_model("alexnet")
    with pytest.raises(ConfigError) as info:
        check_input(model, (1, 28, 28), "alexnet", "lenet")
    side = int(info.value.fix.split("data.resize=")[1].split()[0])
    # independently: the side named fits, and 32 (the next smaller tried) does not
    model.eval()
    with torch.no_grad():
        assert model(torch.zeros(1, 1, side, side)).shape == (1, 10)
        with pytest.raises(RuntimeError):
            model(torch.zeros(1, 1, 32, 32))


def test_the_check_moves_no_random_state_and_keeps_the_training_mode():
    model = nn.Sequential(nn.Flatten(), nn.Dropout(0.5), nn.Linear(4, 2))
    before = torch.random.get_rng_state()
    check_input(model, (1, 2, 2), "tiny", "recipe")
    assert torch.equal(torch.random.get_rng_state(), before)
    assert model.training


def test_a_fitting_model_passes_and_trains_as_before(data_root):
    recipe = get_recipe("lenet-bn")
    run = build_run(recipe, apply_overrides(recipe.config, ["data.limit_batches=1"]))
    assert run.data.input_shape == (1, 28, 28)
    assert run.model_kwargs == {}


def test_whitening_makes_a_frozen_first_layer_from_the_training_images(data_root):
    recipe = get_recipe("fashion-fast")
    run = build_run(recipe, apply_overrides(recipe.config, ["data.limit=512"]))
    first = next(m for m in run.model.modules() if isinstance(m, nn.Conv2d))
    assert not first.weight.requires_grad


def test_the_data_prepares_the_model_after_its_initialisation():
    from d2lkit.experiments.builders.data import RunData
    from d2lkit.experiments.builders.models import build_model
    from d2lkit.experiments.config import ModelConfig, RunConfig

    seen = []

    def prepare(model: nn.Module) -> None:
        seen.append(model[-1].weight.detach().clone())  # what the init left
        with torch.no_grad():
            model[-1].weight.fill_(0.5)

    config = RunConfig(model=ModelConfig(name="softmax_regression", init="normal"))
    data = RunData(None, {}, prepare_model=prepare)
    model = build_model(config, data, "test")
    assert float(seen[0].std()) < 0.05  # normal(0, 0.01), not torch's default
    assert bool((model[-1].weight == 0.5).all())


def test_the_data_directory_goes_only_to_a_model_that_takes_one():
    from d2lkit.experiments.builders.data import RunData
    from d2lkit.experiments.builders.models import build_model
    from d2lkit.experiments.config import ModelConfig, RunConfig

    data = RunData(None, {}, model_kwargs={"num_classes": 3, "root": "/nowhere"})
    config = RunConfig(model=ModelConfig(name="resnet18_finetune_tiny"))
    assert build_model(config, data, "test").fc.out_features == 3
    from d2lkit.errors import D2lkitError

    with pytest.raises(D2lkitError, match="/nowhere/weights"):  # taken, and looked in
        build_model(RunConfig(model=ModelConfig(name="resnet18_finetune")), data, "test")
