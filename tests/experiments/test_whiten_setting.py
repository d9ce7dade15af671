"""`model.whiten`: the fast recipe's first layer is whitened from unaugmented training images."""

import pytest
import torch

from d2lkit.errors import ConfigError
from d2lkit.experiments import apply_overrides, get_recipe
from d2lkit.experiments.run.build import build_run
from d2lkit.models import first_conv


def test_fashion_fast_starts_from_a_frozen_whitened_first_layer(data_root):
    recipe = get_recipe("fashion-fast")
    assert recipe.config.model.whiten
    run = build_run(recipe, recipe.quick_config(), data_root=data_root, download=False)
    conv = first_conv(run.model)
    assert not conv.weight.requires_grad
    half = conv.out_channels // 2
    assert torch.equal(conv.weight[half:], -conv.weight[:half])
    plain = build_run(
        recipe,
        apply_overrides(recipe.quick_config(), ["model.whiten=false"]),
        data_root=data_root,
        download=False,
    )
    assert first_conv(plain.model).weight.requires_grad


def test_whitening_a_model_without_images_is_refused_with_the_setting_named():
    recipe = get_recipe("polyfit")
    config = apply_overrides(recipe.quick_config(), ["model.whiten=true"])
    with pytest.raises(ConfigError, match=r"model\.whiten"):
        build_run(recipe, config, download=False)
