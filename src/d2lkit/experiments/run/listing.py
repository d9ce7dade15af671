"""The runs under a folder: what each is, how far it got, what it reached; and their curves.

``d2lkit runs`` lists them (recipe, when, epochs, final figures, verdict,
whether a checkpoint lets it go on); ``d2lkit compare`` draws the curves of
several on one figure. Everything is read from the run folders' files, each
checked as :class:`~d2lkit.experiments.run.folder.RunFolder` reads it; a
folder that is not a run folder (or one too damaged to read) is passed over
with its reason.
"""

from __future__ import annotations

import fnmatch
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from d2lkit.errors import ConfigError
from d2lkit.experiments.run.folder import CONFIG, RunFolder

__all__ = ["RunInfo", "common_curves", "find_runs", "read_history"]


@dataclass(frozen=True)
class RunInfo:
    """One run folder, as its files describe it."""

    folder: RunFolder
    recipe: str
    label: str
    created: str
    epochs_done: int
    epochs: int
    final: dict[str, float]
    verdict: str  # "pass", "fail", "not compared", "-" (no book figure), "unfinished"
    resumable: bool

    @property
    def finished(self) -> bool:
        return self.verdict != "unfinished"


def read_history(folder: RunFolder) -> list[dict[str, Any]]:
    """The rows of metrics.jsonl (one per epoch); a K-fold run's final training's."""
    for path in (folder.path / "metrics.jsonl", folder.path / "all" / "metrics.jsonl"):
        if path.is_file():
            try:
                rows = [json.loads(line) for line in path.read_text().splitlines() if line]
            except (OSError, ValueError) as exc:
                raise ConfigError(
                    f"cannot read {path} ({exc})", fix="restore the file, or leave the run out"
                ) from None
            if not all(isinstance(r, dict) and isinstance(r.get("epoch"), int) for r in rows):
                raise ConfigError(
                    f"{path} is not the metrics d2lkit writes", fix="leave the run out"
                )
            return rows
    return []


def _info(folder: RunFolder) -> RunInfo:
    name, config, saved = folder.read_config()
    summary = folder.read_summary()
    history = [] if summary else read_history(folder)
    if summary is not None:
        book = summary.get("book")
        verdict = book["verdict"] if isinstance(book, dict) else "-"
        done = int(summary.get("epochs", config.train.epochs))
        final = {k: v for k, v in summary.get("final", {}).items() if isinstance(v, int | float)}
    else:
        verdict, done = "unfinished", len(history)
        final = {}
    return RunInfo(
        folder,
        name,
        str(saved.get("label", name)),
        str(saved.get("created", "")),
        done,
        config.train.epochs,
        final,
        verdict,
        folder.has_checkpoint,
    )


def find_runs(out: str | os.PathLike[str], pattern: str = "*") -> tuple[list[RunInfo], list[str]]:
    """The runs under ``out`` whose label matches ``pattern``, newest first; and what was skipped.

    Skipped folders come back as ``"<path>: <reason>"`` lines.
    """
    runs, skipped = [], []
    for config in sorted(Path(out).glob(f"*/*/{CONFIG}")):
        folder = RunFolder(config.parent)
        if not fnmatch.fnmatchcase(folder.path.parent.name, pattern):
            continue
        try:
            runs.append(_info(folder))
        except ConfigError as exc:
            skipped.append(f"{folder.path}: {exc.message}")
    runs.sort(key=lambda r: (r.created, r.folder.path.name), reverse=True)
    return runs, skipped


def common_curves(histories: dict[str, list[dict[str, Any]]]) -> list[str]:
    """The figure columns every history has, in the first one's order (loss and scores)."""
    from d2lkit.viz import default_curves

    first, *rest = histories.values()
    keys = default_curves(first)
    return [k for k in keys if all(any(k in row for row in h) for h in rest)]
