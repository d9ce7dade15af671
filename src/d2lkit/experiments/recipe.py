"""A recipe: one experiment of the book, its settings and the figure the book reports."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from d2lkit.experiments.config import RunConfig

__all__ = ["Expected", "FunctionRunner", "Recipe"]

# A recipe that is not a training run (a 1-D trace of gradient descent, a course's
# hand-written loop): (resolved config, run folder, data root) -> final figures.
FunctionRunner = Callable[[RunConfig, Path, Any], Mapping[str, float]]


@dataclass(frozen=True)
class Expected:
    """What the book prints for this experiment, and how close a seeded run should land.

    ``value`` is the book's figure. With ``goal="max"`` (accuracy) a run of ours
    passes when its ``metric`` is at least ``value - tolerance``; with "min"
    (a loss, a log-RMSE) at most ``value + tolerance``: better than the book
    always passes. With "near" (a weight norm) it must lie within the tolerance.
    """

    metric: str  # a key of the history (or of a function recipe's figures), e.g. "test_acc"
    value: float
    tolerance: float
    source: str  # where the book prints it
    goal: str = "max"  # "max", "min" or "near"

    def check(self, achieved: float) -> bool:
        if self.goal == "min":
            return achieved <= self.value + self.tolerance
        if self.goal == "near":
            return abs(achieved - self.value) <= self.tolerance
        return achieved >= self.value - self.tolerance


@dataclass(frozen=True)
class Recipe:
    """A named experiment: data + model + training settings + the book's result.

    ``callbacks`` builds the recipe's own callbacks (sample text, BLEU, plots)
    from the :class:`~d2lkit.experiments.runner.Run` being set up; it lives in
    the chapter's module and imports torch only when called.

    ``runner`` makes the recipe a *function recipe*: instead of building a
    model and a Trainer, ``run_recipe`` calls ``runner(config, run_dir,
    data_root)``, which may write files (trace plots) into ``run_dir`` and
    returns the final figures (``{"x": 0.06}``); the config still carries the
    settings (``optim.lr`` is the step size, ``train.epochs`` the number of
    steps) so ``--set`` works as for any recipe. Like ``callbacks`` it imports
    torch only when called.

    ``custom_run`` replaces the single training of ``run_recipe`` for a recipe
    that is several trainings (4.10's K folds): it is called with
    ``run_recipe``'s arguments and returns its ``RunResult``; like
    ``callbacks`` it imports torch only when called.
    """

    name: str  # the CLI name, e.g. "lenet-bn"
    section: str  # the book's section, e.g. "7.5"
    title: str
    config: RunConfig
    expected: Expected | None = None
    notes: str = ""
    callbacks: Callable[[Any], Sequence[Any]] | None = None
    plot_yscale: str = "linear"  # "log" for losses spanning decades (4.4)
    runner: FunctionRunner | None = None  # set: a function recipe, no Trainer (see above)
    custom_run: Callable[..., Any] | None = None  # set: several trainings (see above)

    @property
    def kind(self) -> str:
        """``"function"`` for a function recipe, else ``"training"``."""
        return "function" if self.runner is not None else "training"
