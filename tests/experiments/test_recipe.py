"""Recipe and Expected: the book's claim in its figure's direction, the settings that differ."""

from __future__ import annotations

import pytest

from d2lkit.errors import ConfigError
from d2lkit.experiments import Expected, Recipe, RunConfig, apply_overrides, get_recipe
from d2lkit.metric import Metric


def _recipe(expected: Expected, **kw) -> Recipe:
    return Recipe(name="r", section="0", title="t", config=RunConfig(), expected=expected, **kw)


def test_a_score_passes_at_the_books_figure_less_the_tolerance():
    claim = _recipe(Expected("test_acc", 0.84, 0.03, "book")).claim
    assert claim is not None and claim.goal == "max"
    assert claim.pass_at == pytest.approx(0.81)
    assert claim.check(0.81) and claim.check(0.95) and not claim.check(0.80)
    assert claim.words() == "passes at 0.81 or more"


def test_a_loss_passes_at_the_books_figure_plus_the_tolerance():
    claim = _recipe(Expected("train_ppl", 1.3, 0.2, "book")).claim
    assert claim is not None and claim.goal == "min"
    assert claim.pass_at == pytest.approx(1.5)
    assert claim.check(1.0) and not claim.check(1.6)
    assert claim.words() == "passes at 1.5 or less"


def test_a_near_claim_is_judged_by_closeness_on_either_side():
    claim = _recipe(Expected("w_norm", 0.36, 0.3, "book", near=True)).claim
    assert claim is not None and claim.goal == "near"
    assert claim.check(0.1) and claim.check(0.6) and not claim.check(0.7)
    assert claim.words() == "passes within 0.3 of 0.36"


def test_a_recipes_own_declaration_gives_the_direction_of_its_figure():
    own = Metric("all_train_log_rmse", "min")
    claim = _recipe(Expected("all_train_log_rmse", 0.1, 0.01, "ours"), metrics=(own,)).claim
    assert claim is not None and claim.metric is own and claim.check(0.05)


def test_a_claim_on_a_figure_nobody_declares_is_refused():
    with pytest.raises(ConfigError, match="claims 'made_up'"):
        _ = _recipe(Expected("made_up", 1.0, 0.1, "book")).claim


def test_every_registered_recipes_claim_resolves():
    from d2lkit.experiments import list_recipes

    for recipe in list_recipes():
        if recipe.expected is not None:
            assert recipe.claim is not None, recipe.name


def test_differences_name_the_settings_that_move_the_books_figure():
    recipe = get_recipe("lenet-bn")
    changed = apply_overrides(
        recipe.config, ["train.epochs=2", "train.seed=3", "data.eval_batch_size=1024"]
    )
    assert recipe.differences(changed) == ["train.epochs 2 (book 10)"]  # seed and eval size: no
    task = apply_overrides(recipe.config, ["task.topk=5"])
    assert recipe.differences(task) == ["task.topk 5 (book: default)"]


def test_the_kind_and_label_of_a_recipe():
    assert get_recipe("gd").kind == "function"
    assert get_recipe("kaggle-house").kind == "kfold"
    lenet = get_recipe("lenet-bn")
    assert lenet.kind == "training" and lenet.label(lenet.config) == "lenet-bn"
    other = apply_overrides(lenet.config, ["model.name=lenet"])
    assert lenet.label(other) == "lenet-bn+lenet"


def test_a_quick_config_is_one_epoch_of_two_batches_then_the_recipes_own():
    recipe = get_recipe("lenet-bn")
    quick = recipe.quick_config()
    assert (quick.train.epochs, quick.data.limit_batches, quick.data.batch_size) == (1, 2, 32)
