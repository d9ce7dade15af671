"""A recipe: one experiment of the book, its settings and the figure the book reports."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from d2lkit.errors import ConfigError
from d2lkit.experiments.config import RunConfig, apply_overrides, settings
from d2lkit.metric import Metric, resolve

__all__ = ["KINDS", "QUICK", "Claim", "Expected", "FunctionRunner", "Recipe"]

# A recipe that is not a training run (a 1-D trace of gradient descent, a course's
# hand-written loop): (resolved config, run folder, data root) -> final figures.
FunctionRunner = Callable[[RunConfig, Path, Any], Mapping[str, float]]

# training: one Trainer run. function: a program, no model (see Recipe.program).
# kfold: data.k trainings on folds, then one on every row (the data set scores the folds).
KINDS = ("training", "function", "kfold")


@dataclass(frozen=True)
class Expected:
    """What the book prints for this experiment, and how close a seeded run should land.

    ``value`` is the book's figure of ``metric`` (a history column, or a figure
    a function recipe returns). Which way is better comes from the figure's
    declaration (:mod:`d2lkit.metric`): a run passes at ``value - tolerance``
    or more where higher is better, at ``value + tolerance`` or less where
    lower is; better than the book always passes. With ``near`` (a weight
    norm, a position) it must lie within the tolerance on either side.
    """

    metric: str
    value: float
    tolerance: float
    source: str  # where the book prints it
    near: bool = False


@dataclass(frozen=True)
class Claim:
    """An :class:`Expected` figure joined with its declaration: the one bound a run must reach."""

    expected: Expected
    metric: Metric

    @property
    def goal(self) -> str:
        """``max``, ``min`` or ``near``: how the bound is read."""
        return "near" if self.expected.near else self.metric.goal

    @property
    def pass_at(self) -> float:
        """The bound: the lowest figure that passes (the highest where lower is better)."""
        e = self.expected
        return e.value + e.tolerance if self.goal == "min" else e.value - e.tolerance

    def check(self, achieved: float) -> bool:
        e = self.expected
        if self.goal == "near":
            return abs(achieved - e.value) <= e.tolerance
        return self.metric.passes(achieved, self.pass_at)

    def words(self) -> str:
        """``passes at 0.81 or more`` / ``0.033 or less`` / ``within 0.3 of 0.36``."""
        e = self.expected
        if self.goal == "near":
            return f"passes within {e.tolerance:g} of {e.value:g}"
        return f"passes at {self.pass_at:.4g} {self.metric.bound_words}"


@dataclass(frozen=True)
class Recipe:
    """A named experiment: data + model + training settings + the book's result.

    ``callbacks`` builds the recipe's own callbacks (sample text, BLEU, plots)
    from the :class:`~d2lkit.experiments.run.build.Run` being set up; it lives
    in the chapter's module and imports torch only when called.

    ``program`` makes the recipe a *function recipe*: instead of building a
    model and a Trainer, the run calls ``program(config, run_dir, data_root)``,
    which may write files (trace plots) into ``run_dir`` and returns the final
    figures (``{"x": 0.06}``); the config still carries the settings
    (``optim.lr`` is the step size, ``train.epochs`` the number of steps) so
    ``--set`` works as for any recipe. Like ``callbacks`` it imports torch only
    when called.

    ``kfold``: the run is ``data.k`` trainings, one per fold of the data set
    (which must score its folds: 4.10's Kaggle house prices), then one on every
    row; each is a child folder of the run, resumable on its own.

    ``metrics`` declares figures the recipe reports beyond the standard ones
    of :mod:`d2lkit.metric` (a function recipe's, a K-fold mean).

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
    program: FunctionRunner | None = None  # set: a function recipe, no Trainer (see above)
    kfold: bool = False  # set: K trainings on folds, then one on all rows (see above)
    metrics: tuple[Metric, ...] = ()
    quick: tuple[str, ...] = ()  # overrides for a smoke run, after QUICK

    @property
    def kind(self) -> str:
        """One of :data:`KINDS`."""
        if self.program is not None:
            return "function"
        return "kfold" if self.kfold else "training"

    @property
    def claim(self) -> Claim | None:
        """The book's figure joined with its declaration; None without a figure."""
        return None if self.expected is None else self.claim_with(())

    def claim_with(self, declared: Iterable[Metric]) -> Claim:
        """The claim, reading the figure's declaration from ``declared`` first (a run's)."""
        assert self.expected is not None
        column = self.expected.metric
        metric = resolve(column, [*declared, *self.metrics])
        if metric is None:
            raise ConfigError(
                f"recipe {self.name!r} claims {column!r}, which nothing declares",
                fix="declare it in the recipe's metrics (d2lkit.metric.Metric)",
            )
        return Claim(self.expected, metric)

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
_MATTERS = ("data.", "model.", "task.", "optim.", "sched.", "train.epochs", "train.loss")
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
