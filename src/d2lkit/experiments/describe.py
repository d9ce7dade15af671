"""Recipes and runs in words: the recipe list, a recipe's card, a run's closing summary.

What the CLI prints, made here so that ``cli.py`` only parses and delegates.
Listing and describing a recipe import no torch; a recipe's card reads the
arguments of its model, data set, task and schedule (that imports them).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from d2lkit.entries import Argument
from d2lkit.errors import ConfigError
from d2lkit.experiments.config import RunConfig, entry_arguments, settings
from d2lkit.experiments.editions import Edition, Section, book_sections, section_label
from d2lkit.experiments.recipe import QUICK, Recipe
from d2lkit.table import fit_line, format_table, layout_table

__all__ = [
    "data_status_text",
    "figure",
    "list_text",
    "models_text",
    "plural",
    "recipe_card",
    "runs_text",
    "section_key",
    "summary_text",
    "table",
]


def table(rows: Sequence[Sequence[str]], header: Sequence[str], **give: Any) -> str:
    """A table within the terminal's width (80 when unknown); ``cut``/``wrap`` name the
    columns that may give way (see :func:`d2lkit.table.format_table`)."""
    return format_table(rows, header, **give)


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


def _lead(recipe: Recipe, first: Edition) -> Section | None:
    sections = book_sections(recipe)
    return sections.en if first == "en" else sections.zh


def book_order(recipes: Sequence[Recipe], first: Edition = "en") -> list[Recipe]:
    """Recipes in the order of one edition's sections; those it lacks last, in 2.0's order."""

    def key(recipe: Recipe) -> tuple[int, tuple[int, ...], tuple[int, ...]]:
        lead = _lead(recipe, first)
        own = section_key(recipe.section)
        return (0, section_key(lead.number), own) if lead else (1, own, own)

    return sorted(recipes, key=key)  # stable: a section's recipes keep their order


def list_text(recipes: Sequence[Recipe], first: Edition = "en") -> str:
    """The recipes by chapter of one edition: both editions' numbers, model, data, figure."""
    ordered = book_order(recipes, first)
    rows, chapters = [], []
    for r in ordered:
        sections = book_sections(r)
        en, zh = (s.number if s else "-" for s in (sections.en, sections.zh))
        numbers = (en, zh) if first == "en" else (zh, en)
        # the figure first: a narrow column cuts the metric's name, not the number
        book = f"{r.expected.value:.4g} {r.expected.metric}" if r.expected else "-"
        rows.append((r.name, *numbers, r.config.model.name, r.config.data.dataset, book))
        lead = _lead(r, first)
        chapters.append(lead.number.split(".")[0] if lead else "")
    editions = ("d2l.ai", "zh") if first == "en" else ("zh", "d2l.ai")
    laid = layout_table(
        rows, ("recipe", *editions, "model", "data", "book"), cut=("model", "data", "book")
    )
    out = list(laid.header)
    for i, lines in enumerate(laid.rows):
        if i == 0 or chapters[i] != chapters[i - 1]:
            site = "d2l.ai" if first == "en" else "zh.d2l.ai"
            out.append(f"[{site} chapter {chapters[i]}]" if chapters[i] else "[not in the book]")
        out += lines
    out.append(fit_line("(one recipe: `d2lkit show NAME`; models: `d2lkit list --models`)"))
    return "\n".join(out)


def models_text(names: Sequence[str]) -> str:
    """Registered models: name, family, what it is (read from source: no torch)."""
    from d2lkit.models.signatures import model_signatures

    known = model_signatures()
    rows = [(n, known[n].family, known[n].doc) if n in known else (n, "?", "") for n in names]
    return table(rows, ("model", "family", "what"), wrap=("what",)) + (
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
            found.append((f"{section}.{p.name}", _default_text(p), "default"))
    return found


def _default_text(argument: Argument) -> str:
    """A default as ``--set`` takes it; "(from the data)" for one the data supplies."""
    if argument.default_source is None:
        return "(from the data)"
    try:
        return value_text(argument.default)
    except ValueError:  # not a literal: show its source
        return argument.default_source


def recipe_card(recipe: Recipe, config: RunConfig) -> str:
    """A recipe's claim, its source, and every setting with its ``--set`` key and value."""
    lines = [f"{recipe.name}: {recipe.title}", f"book:   {_editions_line(recipe)}"]
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


def _editions_line(recipe: Recipe) -> str:
    """``d2l.ai 8.5 Batch Normalization; zh.d2l.ai 7.5 批量规范化`` (and why one is missing)."""
    sections = book_sections(recipe)
    found = [
        f"{site} {section}"
        for site, section in (("d2l.ai", sections.en), ("zh.d2l.ai", sections.zh))
        if section is not None
    ]
    if sections.zh_first is not None:
        found.append(f"the first Chinese edition's {sections.zh_first}")
    if not found:
        found.append(sections.origin)
    note = f" ({sections.note})" if sections.note else ""
    return "; ".join(found) + note


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
    where = _section_words(summary)
    if summary.get("kind") == "function":  # no training: no epochs of a Trainer, no throughput
        return f"{name} ({where}): {summary['wall_time_s']:.1f} s"
    unit = summary["unit"]
    epochs = plural(summary["epochs"], "epoch")
    start = summary.get("resumed_from_epoch")
    if start:  # only the epochs this process trained are timed
        epochs = f"epochs {start + 1}–{summary['epochs']} of {summary['epochs']} (resumed)"
    return (
        f"{name} ({where}): {epochs} "
        f"on {summary['device']}, {summary['wall_time_s']:.1f} s "
        f"({summary[unit + '_per_sec']:,.0f} train {unit}/s)"
    )


def _section_words(summary: dict[str, Any]) -> str:
    """``d2l 8.5, zh 7.5`` for a recipe d2lkit knows; the saved section otherwise."""
    try:
        label = section_label(summary["recipe"], titles=False)  # "8.5 (zh 7.5)"
    except ConfigError:  # a recipe registered by a user, or a run of an older version
        return f"d2l {summary.get('section', '?')}"
    return "d2l " + label.replace(" (", ", ").rstrip(")")


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
    header = ("data set", "file", "status", "size", "source")
    return table(rows, header, cut=("file", "source")) + (
        "\n('present' files are verified on first use, or now with `d2lkit data verify`)"
    )


def runs_text(runs: Sequence[Any]) -> str:
    """Runs (``listing.RunInfo``) as a table: which, when, how far, what they reached."""
    rows = []
    for r in runs:
        reached = "-"
        if r.final:
            claimed = _claimed(r.recipe)
            key = claimed if claimed in r.final else next(iter(r.final))
            reached = f"{key.replace('_', ' ')} {figure(r.final[key], digits=4)}"
        rows.append(
            (
                f"{r.label}/{r.folder.path.name}",  # the folder's name is when it was made
                f"{r.epochs_done}/{r.epochs}",
                reached,
                r.verdict,
                "yes" if r.resumable else "no",
            )
        )
    header = ("run", "epochs", "figure", "verdict", "resume")
    return table(rows, header, cut=("figure", "verdict"))


def _claimed(recipe: str) -> str:
    """The figure a recipe's book claim is about, "" when unknown or none."""
    from d2lkit.experiments.registry import RECIPES

    if recipe not in RECIPES:
        return ""
    expected = RECIPES.get(recipe).expected
    return expected.metric if expected else ""
