"""TensorBoard event files of a run: each epoch's figures, the lr, optionally each step's loss.

``tensorboard --logdir runs/`` then lists every run folder as a run, its curves
beside those of the others: what users of Lightning or Keras expect. The
files sit in the run folder, beside ``metrics.csv``, with the same column
names as tags (``train_loss``, ``test_acc``, ``lr``, ``examples_per_sec``) and
the epoch (1, 2, ...) as the step. With ``steps=True`` the loss of every
``every``-th optimiser step goes to a second run, ``steps/`` inside the
folder, with the optimiser step as its step: reading a loss makes the host
wait for the device, so it is off by default.

A resumed run starts new event files that purge what an interrupted run had
logged after its checkpoint (TensorBoard's ``purge_step``), so no epoch is
drawn twice. The writing uses ``torch.utils.tensorboard.SummaryWriter`` from
the optional ``tensorboard`` package (``pip install "d2lkit[tensorboard]"``);
its writer thread waits on a queue between the once-per-epoch writes (and a
waiting thread holds no GIL), and the files are flushed after every epoch so
a live TensorBoard follows the run.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from d2lkit.errors import ConfigError
from d2lkit.train.callbacks import Callback

if TYPE_CHECKING:
    from d2lkit.train.tasks import Step
    from d2lkit.train.trainer import Trainer

__all__ = ["INSTALL_HINT", "STEPS_FOLDER", "TensorBoardLogger", "epoch_scalars"]

INSTALL_HINT = 'pip install "d2lkit[tensorboard]"'
STEPS_FOLDER = "steps"  # the per-step run, inside the run folder
_FLUSH_SECS = 3600  # flushed by hand after every epoch; the writer's own timer is a fallback


def _summary_writer_class() -> Any:
    """``SummaryWriter``, or a ConfigError naming the extra to install."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError as exc:  # torch raises ImportError when `tensorboard` is absent
        raise ConfigError(
            f"TensorBoard logging needs the `tensorboard` package ({exc})",
            fix=f"install it with: {INSTALL_HINT}",
        ) from None
    return SummaryWriter


def epoch_scalars(trainer: Trainer, row: dict[str, Any]) -> dict[str, float]:
    """The figures of one history row that TensorBoard draws: declared figures, lr, speed."""
    keys = [*trainer.metric_names, "lr", trainer.throughput_key]
    return {
        key: float(row[key])
        for key in keys
        if isinstance(row.get(key), int | float) and not isinstance(row.get(key), bool)
    }


class TensorBoardLogger(Callback):
    """Write TensorBoard event files into ``folder`` (a run folder) as the run goes.

    Args:
        folder: where the event files go (created when the fit starts).
        steps: also log the training loss of optimiser steps (in ``folder/steps``).
        every: with ``steps``, log every ``every``-th optimiser step.

    Raises:
        ConfigError: when the ``tensorboard`` package is not installed (said at
            construction, before any training).
    """

    main_only = True  # under torchrun, rank 0 alone writes

    def __init__(
        self, folder: str | os.PathLike[str], *, steps: bool = False, every: int = 1
    ) -> None:
        if every < 1:
            raise ConfigError(
                f"TensorBoardLogger: every must be at least 1 step, got {every}",
                fix="log every step with every=1, or every n-th with every=n",
            )
        self.folder = Path(folder)
        self.steps = steps
        self.every = every
        self._writer_class = _summary_writer_class()
        self._epochs: Any = None
        self._steps: Any = None

    def on_fit_start(self, trainer: Trainer) -> None:
        self.close()
        # A resumed run (epoch > 0) purges what was logged after its checkpoint.
        purge_epoch = trainer.epoch + 1 if trainer.epoch else None
        self._epochs = self._writer_class(
            log_dir=str(self.folder), purge_step=purge_epoch, flush_secs=_FLUSH_SECS
        )
        if self.steps:
            self._steps = self._writer_class(
                log_dir=str(self.folder / STEPS_FOLDER),
                purge_step=trainer.step + 1 if trainer.step else None,
                flush_secs=_FLUSH_SECS,
            )

    def on_batch_end(self, trainer: Trainer, step: Step) -> None:
        if self._steps is not None and trainer.step % self.every == 0:
            self._steps.add_scalar("train_loss", float(step.loss.detach()), trainer.step)

    def on_epoch_end(self, trainer: Trainer) -> None:
        if self._epochs is None:
            return
        row = trainer.history[-1]
        for key, value in epoch_scalars(trainer, row).items():
            self._epochs.add_scalar(key, value, row["epoch"])
        self._epochs.flush()
        if self._steps is not None:
            self._steps.flush()

    def on_fit_end(self, trainer: Trainer) -> None:
        self.close()

    def close(self) -> None:
        """Flush and close the event files (also safe when none is open)."""
        for writer in (self._epochs, self._steps):
            if writer is not None:
                writer.close()
        self._epochs = self._steps = None
