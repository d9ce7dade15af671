"""What every kind of run is given and gives back: options, result, the interrupted run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from d2lkit.experiments.run.build import DataAccess
from d2lkit.experiments.run.folder import RunFolder
from d2lkit.train import Callback

__all__ = ["RunInterrupted", "RunOptions", "RunResult"]


@dataclass(frozen=True)
class RunOptions:
    """How a run goes, whatever its recipe: every CLI flag means the same for every kind.

    Attributes:
        out: the folder that holds run folders (``--out``).
        data: where data comes from (``--data-dir``, ``--offline``, ``--timeout``, ``--mirror``).
        checkpoint: write checkpoint.pt (smoke runs skip it: a large model's costs more
            than a few batches).
        plot: draw curves.png.
        callbacks: more callbacks for the Trainer (after the standard and the recipe's).
    """

    out: Path = Path("runs")
    data: DataAccess = field(default_factory=DataAccess)
    checkpoint: bool = True
    plot: bool = True
    callbacks: Sequence[Callback] = ()

    @property
    def progress(self) -> bool:
        return self.data.progress


@dataclass(frozen=True)
class RunResult:
    run_dir: Path
    summary: dict[str, Any]
    history: list[dict[str, Any]]


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C during training, with what is left: the run folder and its checkpoint, if any.

    ``part`` is the child folder that was cut (a fold of a K-fold run); ``folder``
    stays the one to resume.
    """

    def __init__(
        self,
        folder: RunFolder,
        epochs_done: int,
        epochs: int,
        recipe: str,
        *,
        part: RunFolder | None = None,
    ) -> None:
        super().__init__(str(folder.path))
        self.folder, self.recipe, self.part = folder, recipe, part
        self.epochs_done, self.epochs = epochs_done, epochs

    @property
    def run_dir(self) -> Path:
        return self.folder.path

    @property
    def checkpoint(self) -> Path | None:
        where = self.part or self.folder
        return where.checkpoint if where.has_checkpoint else None

    def message(self) -> str:
        """What was finished, where it is, and the command to go on."""
        if self.part is None:
            return self.folder.interrupted(self.epochs_done, self.epochs, self.recipe)
        return (
            f"{self.part.path.name}: {self.epochs_done} of {self.epochs} epochs finished; "
            f"the finished folds are kept.\n"
            f"continue with `d2lkit run --resume {self.folder.path}`"
        )
