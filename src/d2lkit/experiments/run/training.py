"""One training into a run folder: the standard callbacks, resume, config, fit, summary.

Both a training recipe and each fold of a K-fold recipe go through
:func:`train_into`; what differs is where the folder is and what happens
around it (see :mod:`~d2lkit.experiments.run.driver` and
:mod:`~d2lkit.experiments.run.kfold`).
"""

from __future__ import annotations

import logging
import time
from typing import Any

import torch

from d2lkit.data import data_dir
from d2lkit.errors import ConfigError
from d2lkit.experiments.config import RunConfig
from d2lkit.experiments.run.build import Run
from d2lkit.experiments.run.folder import RunFolder
from d2lkit.experiments.run.options import RunInterrupted, RunOptions, RunResult
from d2lkit.experiments.run.resume import apply_optim_changes
from d2lkit.experiments.run.summary import summary_of
from d2lkit.train import (
    Callback,
    Checkpoint,
    CurvePlot,
    MetricsLogger,
    ProgressBar,
    StepLogger,
    Trainer,
    distributed,
)
from d2lkit.train.divergence import Divergence
from d2lkit.train.tensorboard import TensorBoardLogger
from d2lkit.train.threads import ThreadChoice, choose_threads, probe_batch, training_step

__all__ = ["set_threads", "standard_callbacks", "train_into"]

log = logging.getLogger(__name__)


def set_threads(run: Run) -> ThreadChoice:
    """Choose the run's intra-op thread count (``train.threads``), apply it, say it once.

    On a CPU "auto" counts the free cores and times the model's step; elsewhere
    the threads only feed the device, and torch's default stays.
    """
    setting = run.config.train.threads
    if run.device.type != "cpu" and setting == "auto":
        return ThreadChoice(torch.get_num_threads(), f"torch's default ({run.device.type} run)")
    step = None
    if setting == "auto":
        step = training_step(run.model, run.loss, probe_batch(run.data.train), run.task)
    choice = choose_threads(setting, step)
    torch.set_num_threads(choice.threads)
    return choice


def standard_callbacks(
    run: Run, folder: RunFolder, options: RunOptions, title: str, *, curves: bool = True
) -> list[Callback]:
    """Progress, metrics files, curves, the step log and checkpoints: every run's callbacks."""
    train = run.config.train
    found: list[Callback] = [ProgressBar()] if options.progress else []
    found.append(MetricsLogger(folder.path))
    if options.plot and curves:
        found.append(
            CurvePlot(folder.path / "curves.png", title=title, yscale=run.recipe.plot_yscale)
        )
    if train.log_every:
        found.append(StepLogger(folder.path / "steps.csv", train.log_every))
    if train.divergence != "off":
        found.append(Divergence(train.divergence))
    if train.logger == "tensorboard":
        found.append(TensorBoardLogger(folder.path))
    if options.checkpoint:  # at most ~50 saves: 4.4's 1,500 short epochs would mostly write them
        found.append(Checkpoint(folder.checkpoint, every=max(1, train.epochs // 50)))
    return found


def train_into(
    run: Run,
    folder: RunFolder,
    options: RunOptions,
    *,
    saved: RunConfig | None = None,
    curves: bool = True,
    done_ok: bool = False,
    **config_extra: Any,
) -> tuple[Trainer, RunResult]:
    """Train ``run`` into ``folder`` (resuming its checkpoint when ``saved`` is its old config).

    Writes config.json first and summary.json last; Ctrl-C becomes
    :class:`RunInterrupted`. ``config_extra`` goes into config.json. A resumed
    checkpoint that already holds every epoch is an error, unless ``done_ok``
    (a K-fold child killed after its last epoch): then it is only summed up.
    """
    recipe, config = run.recipe, run.config
    run.run_dir = folder.path
    label = recipe.label(config)
    callbacks = [
        *standard_callbacks(run, folder, options, f"{label} (d2l {recipe.section})", curves=curves),
        *(recipe.callbacks(run) if recipe.callbacks is not None else ()),
        *options.callbacks,
    ]
    trainer = run.make_trainer(callbacks)
    threads = set_threads(run)
    trainer.echo(f"threads: {threads.reason}")
    resumed = None
    if saved is not None:
        trainer.load_checkpoint(folder.checkpoint)
        changed = apply_optim_changes(trainer, saved, config)
        resumed = {"from_epoch": trainer.epoch, "changed": changed}
        if trainer.epoch >= config.train.epochs and not done_ok:
            raise ConfigError(
                f"{folder.path} already has {trainer.epoch} epochs",
                fix=f"pass --epochs larger than {trainer.epoch} to train on",
            )
    if distributed.is_main_process():
        folder.write_config(
            recipe,
            config,
            run.device,
            label=label,
            data_dir=str(data_dir(options.data.root).resolve()),
            model_kwargs=run.model_kwargs,
            resumed=resumed,
            world_size=distributed.dist_env().world_size,
            thread_choice=threads.as_dict(),
            **config_extra,
        )
    start = time.perf_counter()
    try:
        history = trainer.fit(run.data.train, run.data.evals, epochs=config.train.epochs)
    except KeyboardInterrupt as exc:
        raise RunInterrupted(folder, trainer.epoch, config.train.epochs, recipe.name) from exc
    summary = _summary(run, trainer, time.perf_counter() - start, resumed)
    if distributed.is_main_process():
        folder.write_summary(summary)
    return trainer, RunResult(folder.path, summary, history)


def _summary(
    run: Run, trainer: Trainer, wall: float, resumed: dict[str, Any] | None
) -> dict[str, Any]:
    history, speed = trainer.history, trainer.throughput_key
    last = history[-1]
    extra: dict[str, Any] = {}
    for callback in trainer.callbacks:  # a callback may report more (4.4's learned weights)
        extra.update(callback.summary())
    return summary_of(
        run.recipe,
        run.config,
        {k: last[k] for k in trainer.metrics if isinstance(last.get(k), int | float)},
        text={k: v for k, v in last.items() if isinstance(v, str)},
        declared=trainer.metrics.values(),
        epochs=last["epoch"],
        unit=trainer.task.unit,
        wall_time_s=wall,
        train_time_s=sum(row["train_time"] for row in history),
        **{speed: sum(row[speed] for row in history) / len(history)},
        device=str(run.device),
        resumed_from_epoch=None if resumed is None else resumed["from_epoch"],
        **extra,
    )
