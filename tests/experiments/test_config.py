"""Typed ``section.key=value`` overrides: right types in, clear errors out."""

from __future__ import annotations

import pytest

from d2lkit.errors import ConfigError
from d2lkit.experiments import RunConfig, apply_overrides, get_recipe
from d2lkit.experiments.config import config_from_dict, config_to_dict


def test_overrides_are_converted_to_each_fields_type():
    config = apply_overrides(
        RunConfig(),
        [
            "optim.lr=0.5",
            "data.batch_size=64",
            "train.amp=true",
            "data.resize=96",
            "train.grad_clip=none",
            "optim.name=adam",
        ],
    )
    assert config.optim.lr == 0.5 and config.data.batch_size == 64
    assert config.train.amp is True and config.data.resize == 96
    assert config.train.grad_clip is None and config.optim.name == "adam"


def test_model_arguments_are_checked_against_the_models_signature():
    config = get_recipe("mlp").config
    changed = apply_overrides(config, ["model.hidden=512,128", "model.dropout=0.2"])
    assert changed.model.kwargs["hidden"] == (512, 128)
    assert changed.model.kwargs["dropout"] == 0.2
    with pytest.raises(ConfigError, match="takes no argument 'width'") as info:
        apply_overrides(config, ["model.width=3"])
    assert "hidden" in info.value.fix


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("optim.lrr=0.1", "unknown setting 'optim.lrr'"),
        ("optimizer.lr=0.1", "unknown setting 'optimizer.lr'"),
        ("optim.lr=fast", "expected float"),
        ("train.amp=maybe", "expected true or false"),
        ("lr=0.1", "cannot read override"),
        ("optim.lr", "cannot read override"),
    ],
)
def test_bad_overrides_say_what_is_wrong(override, message):
    with pytest.raises(ConfigError, match=message):
        apply_overrides(RunConfig(), [override])


def test_close_keys_are_suggested():
    with pytest.raises(ConfigError) as info:
        apply_overrides(RunConfig(), ["optim.lrr=0.1"])
    assert "did you mean optim.lr" in info.value.fix


def test_channels_last_takes_true_false_or_auto():
    assert RunConfig().train.channels_last == "auto"
    for text, value in (("true", True), ("off", False), ("auto", "auto")):
        config = apply_overrides(RunConfig(), [f"train.channels_last={text}"]).validate()
        assert config.train.channels_last == value
        assert config_from_dict(config_to_dict(config)) == config


@pytest.mark.parametrize(
    "override",
    [
        "train.epochs=0",
        "optim.lr=-1",
        "data.batch_size=0",
        "train.channels_last=nhwc",
    ],
)
def test_validate_rejects_values_no_run_can_use(override):
    config = apply_overrides(RunConfig(), [override])
    with pytest.raises(ConfigError, match=override.split("=")[0]):
        config.validate()


def test_config_round_trips_through_a_dict():
    config = apply_overrides(get_recipe("mlp").config, ["model.hidden=64,32"])
    assert config_from_dict(config_to_dict(config)) == config


def test_a_loss_reduction_outside_seq2seq_is_refused_with_the_tasks_own_settings():
    with pytest.raises(ConfigError, match="takes no argument 'reduction'") as info:
        apply_overrides(RunConfig(), ["task.reduction=sequence_sum"])
    assert "topk" in info.value.fix  # the classification task's own settings


def test_a_setting_of_an_earlier_version_says_where_it_lives_now():
    with pytest.raises(ConfigError) as info:
        apply_overrides(RunConfig(), ["train.loss_reduction=sequence_sum"])
    assert info.value.fix == "it is now task.reduction"


def test_every_recipes_own_entry_arguments_pass_the_check_a_run_makes():
    from d2lkit.experiments import list_recipes
    from d2lkit.experiments.config import check_entry_arguments

    for recipe in list_recipes():
        assert check_entry_arguments(recipe.config) is recipe.config, recipe.name


@pytest.mark.parametrize(
    ("override", "said"),
    [
        ({"task": {"name": "classification", "kwargs": {"topk": "five"}}}, "task.topk is 'five'"),
        ({"model": {"name": "softmax_regression", "kwargs": {"depth": 3}}}, "takes no argument"),
    ],
)
def test_entry_arguments_of_the_wrong_name_or_type_are_one_error(override, said):
    from d2lkit.experiments.config import check_entry_arguments, config_from_dict

    with pytest.raises(ConfigError) as info:
        check_entry_arguments(config_from_dict(override))
    assert said in info.value.message and info.value.fix
