"""run_target: the recipe and the folder to resume, from the name and --resume."""

from __future__ import annotations

import pytest

from d2lkit.errors import ConfigError
from d2lkit.experiments.run.target import run_target


def test_a_name_alone_is_a_new_run_with_the_recipes_settings(tmp_path):
    target = run_target("softmax-regression", None, tmp_path)
    assert target.recipe.name == "softmax-regression"
    assert target.config == target.recipe.config and target.resume_dir is None


def test_neither_a_name_nor_a_folder_asks_for_one(tmp_path):
    with pytest.raises(ConfigError, match="which recipe") as err:
        run_target(None, None, tmp_path)
    assert "d2lkit list" in err.value.fix


def test_latest_needs_the_name_and_a_typo_is_named_as_a_typo(tmp_path):
    with pytest.raises(ConfigError, match="needs the recipe's name"):
        run_target(None, "latest", tmp_path)
    with pytest.raises(ConfigError, match="softmax-regresion"):
        run_target("softmax-regresion", "latest", tmp_path)
    with pytest.raises(ConfigError, match="no run of 'softmax-regression'"):
        run_target("softmax-regression", "latest", tmp_path)


def test_a_folder_resumes_with_its_own_saved_settings_and_recipe(tmp_path):
    from d2lkit.experiments import apply_overrides, get_recipe
    from d2lkit.experiments.run.folder import RunFolder

    recipe = get_recipe("softmax-regression")
    config = apply_overrides(recipe.config, ["train.epochs=3"])
    folder = RunFolder.create(tmp_path, recipe.label(config))
    folder.write_config(recipe, config, "cpu")
    (folder.path / "checkpoint.pt").write_bytes(b"")  # latest looks for one
    for resume in (str(folder.path), "latest"):
        target = run_target(None if resume != "latest" else recipe.name, resume, tmp_path)
        assert target.recipe.name == recipe.name and target.resume_dir == folder.path
        assert target.config.train.epochs == 3
