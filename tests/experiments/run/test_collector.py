"""The collector skips older objects during a run, and nothing is left frozen after it."""

from __future__ import annotations

import gc
import weakref

import pytest

from d2lkit.experiments import apply_overrides, get_recipe, run_recipe
from d2lkit.experiments.run.collector import older_objects_frozen
from d2lkit.train import Callback


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def _cycle() -> weakref.ref[_Node]:
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    return weakref.ref(a)


@pytest.fixture(autouse=True)
def _nothing_frozen_around():
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_older_objects_are_frozen_inside_and_unfrozen_after():
    with older_objects_frozen():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


def test_a_cycle_that_became_garbage_during_the_block_is_collected_after_it():
    alive = _cycle()  # made before the block: frozen with the rest
    with older_objects_frozen():
        gc.collect()
        assert alive() is not None  # skipped while frozen
    gc.collect()
    assert alive() is None  # nothing leaks


def test_objects_the_caller_froze_stay_frozen(monkeypatch):
    gc.freeze()
    calls = []  # the count itself may fall: a frozen object can still die by its refcount
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    monkeypatch.setattr(gc, "unfreeze", lambda: calls.append("unfreeze"))
    with older_objects_frozen():
        pass
    assert calls == [] and gc.get_freeze_count() > 0


def test_the_objects_are_unfrozen_when_the_block_raises():
    with pytest.raises(RuntimeError), older_objects_frozen():
        raise RuntimeError("boom")
    assert gc.get_freeze_count() == 0


def test_a_run_trains_with_older_objects_frozen(tmp_path):
    seen = []

    class Probe(Callback):
        def on_epoch_end(self, trainer):
            seen.append(gc.get_freeze_count())

    recipe = get_recipe("polyfit")  # synthetic data: no files needed
    config = apply_overrides(recipe.config, ["train.epochs=1"])
    run_recipe(recipe, config, out=tmp_path, progress=False, callbacks=[Probe()])
    assert seen and seen[0] > 0
    assert gc.get_freeze_count() == 0
