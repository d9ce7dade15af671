"""``d2lkit reproduce``: run recipes, ours beside the book's, in a Markdown and a JSON report."""

from __future__ import annotations

import json
import platform
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import d2lkit
from d2lkit.atomic import write_text_atomic
from d2lkit.errors import D2lkitError
from d2lkit.experiments.config import apply_overrides
from d2lkit.experiments.describe import plural, table
from d2lkit.experiments.recipe import Recipe

__all__ = ["Reproduction", "reproduce"]

_HEADER = (
    "recipe",
    "section",
    "book",
    "pass at",
    "ours",
    "verdict",
    "train s",
    "total s",
    "device",
)


@dataclass(frozen=True)
class Reproduction:
    """What a ``reproduce`` did: one row per recipe, the table, where the report is."""

    rows: list[dict[str, Any]]
    text: str
    markdown: Path
    json: Path

    @property
    def failed(self) -> bool:
        """A compared run fell short of the book, or a recipe failed."""
        return any(r["verdict"] in ("fail", "error") for r in self.rows)


def reproduce(
    recipes: Sequence[Recipe],
    *,
    quick: bool,
    command: str,
    stem: Path,
    out: Path | None = None,
    data_dir: Path | None = None,
    offline: bool = False,
    device: str | None = None,
    say: Callable[[str], None] = print,
) -> Reproduction:
    """Run each recipe (``quick``: a smoke run in a temporary folder) and write the report."""
    from d2lkit.experiments.run.driver import run_recipe

    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="d2lkit-quick-") as scratch:
        folder = out or (Path(scratch) if quick else Path("runs"))
        for i, recipe in enumerate(recipes, 1):
            say(f"[{i}/{len(recipes)}] {recipe.name} ...")
            config = recipe.quick_config() if quick else recipe.config
            if device is not None:
                config = apply_overrides(config, [f"train.device={device}"])
            row = _row(recipe, config.train.epochs)
            start = time.perf_counter()
            try:
                result = run_recipe(
                    recipe,
                    config,
                    out=folder,
                    data_root=data_dir,
                    progress=False,
                    download=not offline,
                    checkpoint=not quick,
                    plot=not quick,
                )
            except D2lkitError as exc:  # no data and no way to fetch it, a bad setting: go on
                row.update(verdict=_failed(exc), error=exc.message)
            else:
                _fill(row, result, quick)
            row["wall_time_s"] = time.perf_counter() - start
            rows.append(row)
    machine = _machine()
    md, js = stem.with_suffix(".md"), stem.with_suffix(".json")
    write_text_atomic(md, _markdown(rows, command, quick, machine))
    report = {"command": command, "quick": quick, **machine, "recipes": rows}
    write_text_atomic(js, json.dumps(report, indent=2) + "\n")
    text = table(
        [_short_cells(r) for r in rows],
        ("recipe", "book", "pass at", "ours", "verdict", "s"),
        wrap=("verdict",),
        cut=("book",),
    )
    return Reproduction(rows, text, md, js)


def _failed(exc: D2lkitError) -> str:
    from d2lkit.data.missing import DataSetUnavailable

    return "skipped" if isinstance(exc, DataSetUnavailable) else "error"


def _row(recipe: Recipe, epochs: int) -> dict[str, Any]:
    claim = recipe.claim
    e = claim.expected if claim else None
    return {
        "recipe": recipe.name,
        "section": recipe.section,
        "metric": e.metric if e else None,
        "book": e.value if e else None,
        "pass_at": claim.pass_at if claim else None,
        "pass_mark": claim.words() if claim else None,
        "source": e.source if e else None,
        "ours": None,
        "verdict": "no book figure",
        "differences": [],
        "epochs": epochs,
        "wall_time_s": None,
        "train_time_s": None,
        "device": None,
        "run_dir": None,
    }


def _fill(row: dict[str, Any], result: Any, quick: bool) -> None:
    s = result.summary
    row.update(
        train_time_s=s["wall_time_s"],
        device=s["device"],
        run_dir=None if quick else str(result.run_dir),
        epochs=s["epochs"],
    )
    book = s.get("book")
    if book:
        row.update(ours=book["ours"], verdict=book["verdict"], differences=book["differences"])
        if quick:
            row["verdict"] = "not compared (quick)"


def _fmt(value: Any, spec: str = ".3f") -> str:
    return "-" if value is None else format(value, spec)


def _cells(row: dict[str, Any]) -> list[str]:
    book = "-" if row["book"] is None else f"{row['metric']} {row['book']:.3f}"
    verdict = row["verdict"]
    if verdict == "not compared" and row["differences"]:
        verdict += ": " + "; ".join(row["differences"])
    if verdict in ("error", "skipped"):
        verdict += ": " + row.get("error", "")
    return [
        row["recipe"],
        row["section"],
        book,
        _fmt(row["pass_at"]),
        _fmt(row["ours"]),
        verdict,
        _fmt(row["train_time_s"], ".1f"),
        _fmt(row["wall_time_s"], ".1f"),
        row["device"] or "-",
    ]


def _short_cells(row: dict[str, Any]) -> list[str]:
    """The terminal's columns: the Markdown report has them all (section, times, device)."""
    recipe, _, book, pass_at, ours, verdict, _, total, _ = _cells(row)
    return [recipe, book, pass_at, ours, verdict, total]


def _machine() -> dict[str, Any]:
    import torch

    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "cpu": platform.processor() or platform.machine(),
        "d2lkit": d2lkit.__version__,
    }


def _markdown(rows: list[dict[str, Any]], command: str, quick: bool, m: dict[str, Any]) -> str:
    lines = [
        f"# `{command}`",
        "",
        f"{m['date']}; d2lkit {m['d2lkit']}, torch {m['torch']}, Python {m['python']}, "
        f"{plural(m['threads'], 'thread')}.",
        "",
    ]
    if quick:
        lines += [
            "**Quick (smoke) runs**: one epoch of a few batches per recipe; they prove each "
            "recipe runs and are never compared with the book.",
            "",
        ]
    lines += [
        "'train s' is the summary's wall time (training, evaluation and the per-epoch files); "
        "'total s' adds reading the data and building the model (not Python's start nor "
        "importing torch). 'pass at' is the bound a run must reach: the book's figure less the "
        "recipe's tolerance where higher is better, plus it where lower is.",
        "",
        "| " + " | ".join(_HEADER) + " |",
        "|" + "---|" * len(_HEADER),
    ]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in _cells(r)) + " |" for r in rows]
    sources = [(r["recipe"], r["source"]) for r in rows if r["source"]]
    if sources:
        lines += ["", "Sources of the book's figures:", ""]
        lines += [f"- {name}: {source}" for name, source in sources]
    return "\n".join(lines) + "\n"
