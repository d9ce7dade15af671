"""summary.json: what a run ends with, and the book's figure beside ours."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from d2lkit.experiments.config import RunConfig
from d2lkit.experiments.recipe import Recipe
from d2lkit.metric import Metric

__all__ = ["book_verdict", "summary_of"]


def book_verdict(
    recipe: Recipe, config: RunConfig, ours: float | None, declared: Iterable[Metric] = ()
) -> dict[str, Any]:
    """Ours beside the book's figure: "pass" / "fail", or "not compared" when settings differ.

    A run is held against the book only with the book's settings (see
    :meth:`Recipe.differences`); the direction of the figure comes from its
    declaration (``declared``: the run's own, then the recipe's and the
    standard ones); ``pass_at`` is the one bound the check uses.
    """
    claim = recipe.claim_with(declared)
    e = claim.expected
    differences = recipe.differences(config)
    compared = not differences and ours is not None
    ok = claim.check(ours) if compared and ours is not None else None
    return {
        "metric": e.metric,
        "book": e.value,
        "tolerance": e.tolerance,
        "goal": claim.goal,
        "pass_at": round(claim.pass_at, 10),
        "pass_mark": claim.words(),
        "source": e.source,
        "ours": ours,
        "compared": compared,
        "differences": differences,
        "ok": ok,
        "verdict": "not compared" if not compared else "pass" if ok else "fail",
    }


def summary_of(
    recipe: Recipe,
    config: RunConfig,
    final: Mapping[str, float],
    *,
    text: Mapping[str, str] | None = None,
    declared: Iterable[Metric] = (),
    **facts: Any,
) -> dict[str, Any]:
    """A run's summary: who, what it reached (``final``), its facts, and the book's verdict.

    ``facts`` are the kind's own entries (epochs, timings, device, folds ...);
    ``text`` what the run said in words (sampled text, translations).
    """
    numbers = dict(final)
    summary: dict[str, Any] = {
        "recipe": recipe.name,
        "label": recipe.label(config),
        "model": config.model.name,
        "section": recipe.section,
        "kind": recipe.kind,
        "task": config.task.name,
        "seed": config.train.seed,
        "final": numbers,
        **facts,
    }
    if text:
        summary["text"] = dict(text)
    if recipe.expected is not None:
        ours = numbers.get(recipe.expected.metric)
        summary["book"] = book_verdict(recipe, config, ours, declared)
    return summary
