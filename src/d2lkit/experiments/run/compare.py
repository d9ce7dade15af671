"""``d2lkit compare``: several runs' curves on one figure, written as a PNG."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from d2lkit.errors import ConfigError
from d2lkit.experiments.run.folder import RunFolder
from d2lkit.experiments.run.listing import common_curves, read_history

__all__ = ["compare_runs"]


def compare_runs(
    run_dirs: Sequence[str | os.PathLike[str]], curves: Sequence[str], where: Path
) -> Path:
    """Draw ``curves`` (default: every figure all the runs share) of the runs; return the PNG.

    Each run is named by its label and folder (``lenet-bn/20261206-101500``).
    """
    from d2lkit.viz import save_figure
    from d2lkit.viz.compare import plot_runs

    histories: dict[str, list[dict[str, Any]]] = {}
    for run_dir in run_dirs:
        folder = RunFolder.open(run_dir)
        name, _, saved = folder.read_config()
        history = read_history(folder)
        if not history:
            raise ConfigError(
                f"{folder.path} has no metrics yet", fix="compare runs that trained an epoch"
            )
        histories[f"{saved.get('label', name)}/{folder.path.name}"] = history
    chosen = list(curves) or common_curves(histories)
    missing = [c for c in chosen if not any(c in row for h in histories.values() for row in h)]
    if missing or not chosen:
        shared = ", ".join(common_curves(histories)) or "none"
        raise ConfigError(
            f"no run has {', '.join(missing) or 'a figure all of them share'}",
            fix=f"the figures these runs share: {shared}",
        )
    path = where / f"compare-{datetime.now().strftime('%Y%m%d-%H%M%S')}.png"
    return save_figure(plot_runs(histories, chosen), path)
