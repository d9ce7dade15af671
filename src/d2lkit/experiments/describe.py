"""Recipes and runs in words: the recipe list, a recipe's card, a run's closing summary.

What the CLI prints, made here so that ``cli.py`` only parses and delegates.
Listing and describing a recipe import no torch; a recipe's card reads the
arguments of its model, data set, task and schedule (that imports them).
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from d2lkit.errors import ConfigError
from d2lkit.experiments.config import RunConfig, entry_arguments, settings
from d2lkit.experiments.recipe import QUICK, Recipe

__all__ = [
    "data_status_text",
    "figure",
    "list_text",
    "models_text",
    "plural",
    "recipe_card",
    "section_key",
    "summary_text",
    "table",
]


def table(rows: Sequence[Sequence[str]], header: Sequence[str]) -> str:
    """Columns padded to their widest cell, a rule under the header."""
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    lines = [
        "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in (header, *rows)
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def value_text(value: Any) -> str:
    """A setting as it is typed after ``--set key=``."""
    if isinstance(value, tuple | list):
        return ",".join(str(v) for v in value) or "()"
    return str(value)


def figure(value: float, digits: int = 3) -> str:
    """A figure with fixed decimals, or significant digits when it is tiny (0.000073)."""
    return f"{value:.{digits}f}" if value == 0 or abs(value) >= 0.01 else f"{value:.4g}"


def section_key(section: str) -> tuple[int, ...]:
    """Book order: ``7.10`` after ``7.9``; names that are not numbers last."""
    return tuple(int(p) if p.isdigit() else 0 for p in section.split("."))


def _chapter(section: str) -> int:
    head = section.split(".")[0]
    return int(head) if head.isdigit() else 0


def list_text(recipes: Sequence[Recipe]) -> str:
    """The recipes by chapter: section, data, model, epochs and the book's figure."""
    ordered = sorted(recipes, key=lambda r: section_key(r.section))  # stable within a section
    rows, chapters = [], []
    for r in ordered:
        book = f"{r.expected.metric} {r.expected.value:.4g}" if r.expected else "-"
        config = r.config
        row = (r.name, r.section, config.data.dataset, config.model.name, str(config.train.epochs))
        rows.append((*row, book))
        chapters.append(_chapter(r.section))
    lines = table(rows, ("recipe", "section", "data", "model", "epochs", "book")).splitlines()
    out = lines[:2]
    for i, line in enumerate(lines[2:]):
        if i == 0 or chapters[i] != chapters[i - 1]:
            out.append(f"[chapter {chapters[i]}]" if chapters[i] else "[other]")
        out.append(line)
    out.append("(details of one: `d2lkit show NAME`; models: `d2lkit list --models`)")
    return "\n".join(out)


def models_text(names: Sequence[str]) -> str:
    """Registered models: name, family, what it is."""
    from d2lkit.models import model_entry

    rows = []
    for name in names:
        entry = model_entry(name)
        family = getattr(entry, "__module__", "").rsplit(".", 1)[-1]
        doc = (inspect.getdoc(entry) or "").split("\n")[0]
        rows.append((name, family, doc))
    return table(rows, ("model", "family", "what")) + (
        "\n(use one with `d2lkit run RECIPE --set model.name=NAME`)"
    )


def _argument_defaults(config: RunConfig) -> list[tuple[str, str, str]]:
    """The entries' own arguments (model, data set, task, schedule) left at their defaults."""
    found = []
    for section in ("model", "data", "task", "sched"):
        given = getattr(config, section).kwargs
        try:
            params = entry_arguments(config, section)
        except ConfigError:  # no schedule, or a function recipe's "none" task
            continue
        for p in params:
            if p.name in given:
                continue
            default = "(from the data)" if p.default is p.empty else value_text(p.default)
            found.append((f"{section}.{p.name}", default, "default"))
    return found


def recipe_card(recipe: Recipe, config: RunConfig) -> str:
    """A recipe's claim, its source, and every setting with its ``--set`` key and value."""
    lines = [f"{recipe.name} (d2l {recipe.section}): {recipe.title}"]
    claim = recipe.claim
    if claim is not None:
        e = claim.expected
        lines.append(
            f"claim:  the book's {e.metric} is {e.value:g}; a run with the book's settings "
            f"{claim.words()} (tolerance {e.tolerance:g})"
        )
        lines.append(f"source: {e.source}")
    else:
        lines.append("claim:  none (the book prints no figure to compare with)")
    if recipe.notes:
        lines.append(f"notes:  {recipe.notes}")
    differences = recipe.differences(config)
    if differences:
        lines.append(f"not the book's settings: {'; '.join(differences)}")
    base = {f"{s}.{k}": v for s, k, v in settings(recipe.config)}
    rows = [
        (
            f"{s}.{k}",
            value_text(v),
            "" if base.get(f"{s}.{k}", v) == v and f"{s}.{k}" in base else "set",
        )
        for s, k, v in settings(config)
    ]
    rows += _argument_defaults(config)
    lines += [
        "",
        "settings (change any with --set KEY=VALUE):",
        table(rows, ("key", "value", "note")),
    ]
    quick = " ".join([*QUICK, *recipe.quick])
    lines.append(f"\nrun it:   d2lkit run {recipe.name}")
    lines.append(f"smoke:    d2lkit reproduce {recipe.name} --quick   (uses {quick})")
    return "\n".join(lines)


def _figure_rows(summary: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    book = summary.get("book")
    rows = []
    for key, value in summary["final"].items():
        book_cell, verdict = "", ""
        if book and key == book["metric"]:
            book_cell = f"{figure(book['book'])} (pass at {figure(book['pass_at'])})"
            miss = {"min": "above the book", "near": "far from the book"}
            fail = miss.get(book.get("goal", "max"), "below the book")
            verdict = {"pass": "pass", "fail": fail}.get(book["verdict"], "not compared")
        rows.append((key.replace("_", " "), figure(value, digits=4), book_cell, verdict))
    return rows


def _head(summary: dict[str, Any]) -> str:
    name = summary.get("label", summary["recipe"])
    if summary.get("kind") == "function":  # no training: no epochs of a Trainer, no throughput
        return f"{name} (d2l {summary['section']}): {summary['wall_time_s']:.1f} s"
    unit = summary["unit"]
    return (
        f"{name} (d2l {summary['section']}): {plural(summary['epochs'], 'epoch')} "
        f"on {summary['device']}, {summary['wall_time_s']:.1f} s "
        f"({summary[unit + '_per_sec']:,.0f} train {unit}/s)"
    )


def summary_text(summary: dict[str, Any], run_dir: Path) -> str:
    """A run's closing summary: figures beside the book's, folds, weights, where it is."""
    lines = [_head(summary)]
    folds = summary.get("folds")
    if folds:  # a K-fold run (4.10): one row per fold, then the means below
        keys = [k for k in folds[0] if k != "fold"]
        fold_rows = [(str(r["fold"]), *(f"{r[k]:.4f}" for k in keys)) for r in folds]
        lines.append(table(fold_rows, ("fold", *(k.replace("_", " ") for k in keys))))
    lines.append(table(_figure_rows(summary), ("metric", "ours", "book", "")))
    weights = summary.get("weights")
    if weights:  # 4.4: the learned weights beside the true ones
        lines.append(f"learned weights: {weights['learned']}")
        lines.append(f"true weights:    {weights['true']}")
    if summary.get("submission"):
        lines.append(f"Kaggle submission: {run_dir / summary['submission']}")
    book = summary.get("book")
    if book:
        if book.get("differences"):
            lines.append(
                "not compared with the book: settings differ from the book's: "
                + "; ".join(book["differences"])
            )
        lines.append(f"book: {book['source']}")
    lines.append(f"run folder: {run_dir}")
    return "\n".join(lines)


def _human_size(size: int | None) -> str:
    if size is None:
        return "?"
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} B"


def data_status_text(root: Any = None) -> str:
    """Every data set's files: missing, present or verified, size, and source URL."""
    from d2lkit.data import DATASETS
    from d2lkit.data.store import file_status

    rows = []
    for dataset in DATASETS.values():
        for st in file_status(dataset, root):
            state = "missing" if st.path is None else "verified" if st.verified else "present"
            rows.append(
                (dataset.name, st.name, state, _human_size(st.size), st.url or "(no known URL)")
            )
    return table(rows, ("data set", "file", "status", "size", "source")) + (
        "\n('present' files are verified on first use, or now with `d2lkit data verify`)"
    )
