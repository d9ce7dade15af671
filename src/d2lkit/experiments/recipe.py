"""A recipe: one experiment of the book, its settings and the figure the book reports."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from d2lkit.experiments.config import RunConfig

__all__ = ["Expected", "Recipe"]


@dataclass(frozen=True)
class Expected:
    """What the book prints for this experiment, and how close a seeded run should land.

    ``value`` is the book's figure; a run of ours passes when its ``metric`` is
    at least ``value - tolerance`` (better than the book always passes). For a
    figure where lower is better (perplexity, loss) set ``lower_is_better``: a
    run then passes at ``value + tolerance`` or below.
    """

    metric: str  # a key of the history, e.g. "test_acc"
    value: float
    tolerance: float
    source: str  # where the book prints it
    lower_is_better: bool = False

    def check(self, achieved: float) -> bool:
        if self.lower_is_better:
            return achieved <= self.value + self.tolerance
        return achieved >= self.value - self.tolerance


@dataclass(frozen=True)
class Recipe:
    """A named experiment: data + model + training settings + the book's result.

    ``callbacks`` builds the recipe's own callbacks (sample text, BLEU, plots)
    from the :class:`~d2lkit.experiments.runner.Run` being set up; it lives in
    the chapter's module and imports torch only when called.
    """

    name: str  # the CLI name, e.g. "lenet-bn"
    section: str  # the book's section, e.g. "7.5"
    title: str
    config: RunConfig
    expected: Expected | None = None
    notes: str = ""
    callbacks: Callable[[Any], Sequence[Any]] | None = None
    plot_yscale: str = "linear"  # "log" for losses spanning decades (4.4)
