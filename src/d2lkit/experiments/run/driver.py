"""Run a recipe, whatever its kind, into a run folder: the one driver.

>>> result = run_recipe(get_recipe("lenet-bn"), out="runs")
>>> result.summary["book"]["verdict"]
'pass'

A recipe is a training run, a function recipe (a program, no Trainer) or a
K-fold run (folds as child folders). Every kind gets the same options
(:class:`~d2lkit.experiments.run.options.RunOptions`: ``--out``,
``--data-dir``, ``--offline``, ``--timeout``, ``--mirror`` ...), fetches its
data through the same call, and keeps its folder through the same
:class:`~d2lkit.experiments.run.folder.RunFolder`: created only after the run
is built (a bad setting leaves no folder), locked while it runs, resumed in
one place.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Sequence
from pathlib import Path

from d2lkit.data.download import downloads_off
from d2lkit.errors import ConfigError
from d2lkit.experiments.config import RunConfig, check_entry_arguments
from d2lkit.experiments.recipe import Recipe
from d2lkit.experiments.run.build import DataAccess, build_run
from d2lkit.experiments.run.collector import older_objects_frozen
from d2lkit.experiments.run.folder import RunFolder, check_out
from d2lkit.experiments.run.function import run_function
from d2lkit.experiments.run.kfold import run_kfold
from d2lkit.experiments.run.options import RunOptions, RunResult
from d2lkit.experiments.run.resume import check_resumable
from d2lkit.experiments.run.training import train_into
from d2lkit.train import Callback, distributed

__all__ = ["load_run_config", "run_recipe"]

log = logging.getLogger(__name__)


def load_run_config(run_dir: str | os.PathLike[str]) -> tuple[str, RunConfig]:
    """The recipe name and resolved config saved in a run folder (checked on read)."""
    name, config, _ = RunFolder.open(run_dir).read_config()
    return name, config


@older_objects_frozen()  # the collector skips torch's million objects during the run
def run_recipe(
    recipe: Recipe,
    config: RunConfig | None = None,
    *,
    out: str | os.PathLike[str] = "runs",
    data_root: str | os.PathLike[str] | None = None,
    resume: str | os.PathLike[str] | None = None,
    progress: bool = True,
    download: bool = True,
    callbacks: Sequence[Callback] = (),
    checkpoint: bool = True,
    plot: bool = True,
    timeout: float = 30.0,
    mirror: str | None = None,
) -> RunResult:
    """Run ``recipe`` (with ``config`` overriding its settings) and write its run folder.

    ``resume`` is an earlier run folder: training continues there from its
    last checkpoint up to ``config.train.epochs`` (a K-fold run from its first
    unfinished fold). Data files that are missing are downloaded first
    (verified, atomically) unless ``download`` is False; files already
    present are only verified; with ``download=False`` nothing the run reads
    is downloaded, pretrained vectors and weights included. ``checkpoint=False``
    and ``plot=False`` skip checkpoint.pt and curves.png (smoke runs).
    """
    options = RunOptions(
        out=Path(out),
        data=DataAccess(data_root, download, progress, timeout, mirror),
        checkpoint=checkpoint,
        plot=plot,
        callbacks=tuple(callbacks),
    )
    with contextlib.nullcontext() if download else downloads_off():
        config = check_entry_arguments((config or recipe.config).validate())
        return _run(recipe, config, resume, options)


def _run(
    recipe: Recipe, config: RunConfig, resume: str | os.PathLike[str] | None, options: RunOptions
) -> RunResult:
    folder = None
    if resume is not None:
        folder = _resumable(recipe, config, RunFolder.open(resume))
    else:
        check_out(options.out)
    if recipe.kind == "function":
        return run_function(recipe, config, options)
    if recipe.kind == "kfold":
        return run_kfold(recipe, config, folder, options)
    return _run_training(recipe, config, folder, options)


def _resumable(recipe: Recipe, config: RunConfig, folder: RunFolder) -> RunFolder:
    """``folder`` if this recipe, with these settings, can go on there."""
    if recipe.kind == "function":
        raise ConfigError(
            f"{recipe.name!r} is a function recipe: it has no checkpoint to resume",
            fix=f"run it again: `d2lkit run {recipe.name}`",
        )
    name, saved, _ = folder.read_config()
    if name != recipe.name:
        raise ConfigError(
            f"{folder.path} is a run of {name!r}, not {recipe.name!r}",
            fix=f"resume it with `d2lkit run {name} --resume {folder.path}`",
        )
    check_resumable(saved, config)  # before loading any data
    return folder


def _run_training(
    recipe: Recipe, config: RunConfig, folder: RunFolder | None, options: RunOptions
) -> RunResult:
    d = options.data
    run = build_run(
        recipe,
        config,
        data_root=d.root,
        download=d.download,
        progress=d.progress,
        timeout=d.timeout,
        mirror=d.mirror,
    )
    if folder is None:  # made only now: a bad setting or missing data leaves no folder
        folder = RunFolder.create(options.out, recipe.label(config))
        if distributed.restart_count() > 0 and _agreed(folder.has_checkpoint):
            if distributed.is_main_process():
                log.warning(
                    "torchrun restarted the job: resuming %s from its checkpoint", folder.path
                )
        else:
            with folder.locked():
                return train_into(run, folder, options)[1]
    with folder.locked():
        return train_into(run, folder, options, saved=folder.read_config()[1])[1]


def _agreed(flag: bool) -> bool:
    """Rank 0's answer, on every rank."""
    return bool(distributed.broadcast_object(flag))
