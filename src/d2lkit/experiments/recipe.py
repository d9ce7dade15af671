"""A recipe: one experiment of the book, its settings and the figure the book reports."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from d2lkit.experiments.config import RunConfig, apply_overrides, settings

__all__ = ["QUICK", "Expected", "FunctionRunner", "Recipe"]

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
    The summary, the CLI and ``d2lkit reproduce`` all quote this one bound.
    """

    metric: str  # a key of the history (or of a function recipe's figures), e.g. "test_acc"
    value: float
    tolerance: float
    source: str  # where the book prints it
    goal: str = "max"  # "max", "min" or "near"

    @property
    def pass_at(self) -> float:
        """The bound a run must reach: the lowest figure that passes (the highest for "min")."""
        return self.value + self.tolerance if self.goal == "min" else self.value - self.tolerance

    def check(self, achieved: float) -> bool:
        if self.goal == "min":
            return achieved <= self.pass_at
        if self.goal == "near":
            return abs(achieved - self.value) <= self.tolerance
        return achieved >= self.pass_at


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

    ``quick`` holds this recipe's own ``--set`` overrides for a smoke run
    (``d2lkit reproduce --quick``), applied after the common ones
    (:data:`QUICK`: one epoch of two batches of 32 per split), e.g.
    ``("data.resize=64",)`` for a model whose input is large. A smoke run
    proves the recipe runs; it is never compared with the book.
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
    quick: tuple[str, ...] = ()  # overrides for a smoke run, after QUICK

    @property
    def kind(self) -> str:
        """``"function"`` for a function recipe, else ``"training"``."""
        return "function" if self.runner is not None else "training"

    def label(self, config: RunConfig) -> str:
        """The run's name in titles and folders: ``lenet-bn``, or ``lenet-bn+resnet18``
        when ``--set model.name=...`` trained another model."""
        model = config.model.name
        return self.name if model == self.config.model.name else f"{self.name}+{model}"

    def differences(self, config: RunConfig) -> list[str]:
        """The settings that matter for the book's figure where ``config`` is not the book's.

        ``["train.epochs 2 (book 10)"]``. Empty: the run may be compared with the
        book. Seed, device, evaluation batch size, AMP and logging do not count.
        """
        return _differences(self.config, config)

    def quick_config(self, config: RunConfig | None = None) -> RunConfig:
        """``config`` (default: the recipe's) cut to a smoke run: QUICK, then ``quick``."""
        return apply_overrides(config or self.config, [*QUICK, *self.quick])


# A smoke run: one epoch, two batches of 32 examples in every split (see Recipe.quick).
QUICK: tuple[str, ...] = (
    "train.epochs=1",
    "data.limit_batches=2",
    "data.batch_size=32",
    "data.eval_batch_size=None",
)


# Sections and keys whose change moves the figure the book reports.
_MATTERS = ("data.", "model.", "optim.", "sched.", "train.epochs", "train.loss", "train.task")
_IGNORED = ("data.eval_batch_size",)  # same figures, only faster or smaller


def _differences(book: RunConfig, ours: RunConfig) -> list[str]:
    theirs = {f"{s}.{k}": v for s, k, v in settings(book)}
    mine = {f"{s}.{k}": v for s, k, v in settings(ours)}
    found = []
    for key in dict.fromkeys([*theirs, *mine]):
        if not key.startswith(_MATTERS) or key in _IGNORED:
            continue
        if key not in theirs:
            found.append(f"{key} {_show(mine[key])} (book: default)")
        elif key not in mine:
            found.append(f"{key} default (book {_show(theirs[key])})")
        elif mine[key] != theirs[key]:
            found.append(f"{key} {_show(mine[key])} (book {_show(theirs[key])})")
    return found


def _show(value: Any) -> str:
    if isinstance(value, tuple | list):
        return ",".join(str(v) for v in value) or "()"
    return str(value)
