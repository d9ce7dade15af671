"""The registry's did-you-mean error speaks English: 'known losses', not 'known losss'."""

from __future__ import annotations

import pytest

from d2lkit.errors import ConfigError
from d2lkit.registry import Registry, plural


@pytest.mark.parametrize(
    ("kind", "many"),
    [
        ("loss", "losses"),
        ("recipe", "recipes"),
        ("task", "tasks"),
        ("schedule", "schedules"),
        ("data set", "data sets"),
        ("data set for recipes", "data sets for recipes"),
        ("batch", "batches"),
        ("policy", "policies"),
        ("key", "keys"),
    ],
)
def test_plural_of_a_kind(kind, many):
    assert plural(kind) == many


def test_an_unknown_name_lists_the_known_ones_under_their_plural():
    losses: Registry[object] = Registry("loss")
    losses.add("mse", object())
    with pytest.raises(ConfigError) as info:
        losses.get("mes")
    assert info.value.fix == "did you mean mse? known losses: mse"
    recipes: Registry[object] = Registry("data set for recipes")
    recipes.add("toy", object())
    with pytest.raises(ConfigError) as info:
        recipes.get("nothing-like-it")
    assert info.value.fix == "known data sets for recipes: toy"
