"""A recipe: one experiment of the book, its settings and the figure the book reports."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from d2lkit.experiments.config import RunConfig, apply_overrides, settings

__all__ = ["QUICK", "Expected", "Recipe"]


@dataclass(frozen=True)
class Expected:
    """What the book prints for this experiment, and how close a seeded run should land.

    ``value`` is the book's figure; a run of ours passes when its ``metric`` is
    at least ``value - tolerance`` (better than the book always passes). The
    summary, the CLI and ``d2lkit reproduce`` all quote this one bound.
    """

    metric: str  # a key of the history, e.g. "test_acc"
    value: float
    tolerance: float
    source: str  # where the book prints it

    @property
    def pass_at(self) -> float:
        """The lowest figure that passes."""
        return self.value - self.tolerance

    def check(self, achieved: float) -> bool:
        return achieved >= self.pass_at


@dataclass(frozen=True)
class Recipe:
    """A named experiment: data + model + training settings + the book's result.

    ``callbacks`` builds the recipe's own callbacks (sample text, BLEU, plots)
    from the :class:`~d2lkit.experiments.runner.Run` being set up; it lives in
    the chapter's module and imports torch only when called.

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
    quick: tuple[str, ...] = ()  # overrides for a smoke run, after QUICK

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
