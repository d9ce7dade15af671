"""Build a run from its config: fetch the data, then data, model, task, loss, optimiser, schedule.

Nothing here writes a file: a bad setting, missing data or a model that does
not fit the data fails before any run folder exists.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from d2lkit.data import fetch
from d2lkit.errors import ConfigError
from d2lkit.experiments.builders.data import DATA, Root, RunData, build_data
from d2lkit.experiments.builders.losses import build_loss
from d2lkit.experiments.builders.models import build_model
from d2lkit.experiments.builders.optimizers import build_optimizer
from d2lkit.experiments.config import RunConfig
from d2lkit.experiments.recipe import Recipe
from d2lkit.experiments.run.background_import import importing_in_background
from d2lkit.train import Callback, Trainer, distributed, resolve_device, seed_everything
from d2lkit.train.schedules import build_scheduler
from d2lkit.train.tasks import Task, build_task

__all__ = ["DataAccess", "Run", "build_run", "fetch_data"]


@dataclass(frozen=True)
class DataAccess:
    """Where data comes from and how: every flag of a run that touches the store.

    Attributes:
        root: the data directory (``--data-dir``; None: $D2LKIT_DATA, else the cache).
        download: fetch what is missing (False: ``--offline``).
        progress: show download progress.
        timeout: seconds without data before a download try fails (``--timeout``).
        mirror: a base URL tried first (``--mirror``).
    """

    root: Root = None
    download: bool = True
    progress: bool = True
    timeout: float = 30.0
    mirror: str | None = None


def fetch_data(dataset: str, access: DataAccess) -> None:
    """Make the files of a recipe's data set present and verified: the one place runs fetch.

    Offline, nothing is downloaded and one message names every missing file.
    Under torchrun one rank downloads while the others wait, then only verify.
    """
    files = DATA.get(dataset).files
    if files is None:  # synthetic: nothing to fetch
        return
    with distributed.main_first():
        fetch(
            files,
            access.root,
            progress=access.progress and distributed.is_main_process(),
            timeout=access.timeout,
            mirror=access.mirror,
            offline=not access.download,
        )


@dataclass
class Run:
    """Everything a recipe's run is built from, before any file is written.

    :func:`build_run` makes it; :meth:`make_trainer` joins it with the
    callbacks of wherever the run is going (a run folder, a notebook, a test).
    ``run_dir`` is set before the recipe's own callbacks are built.
    """

    recipe: Recipe
    config: RunConfig
    device: torch.device
    data: RunData
    model: nn.Module
    task: Task
    loss: Any
    optimizer: torch.optim.Optimizer
    scheduler: Any
    run_dir: Path | None = None

    def make_trainer(self, callbacks: Sequence[Callback] = ()) -> Trainer:
        train = self.config.train
        return Trainer(
            self.model,
            self.loss,
            self.optimizer,
            self.scheduler,
            task=self.task,
            device=self.device,
            callbacks=callbacks,
            amp=(train.amp_dtype or True) if train.amp else False,
            channels_last=train.channels_last,
            compile=train.compile,
            grad_clip=train.grad_clip,
            scheduler_interval=self.config.sched.interval,
            nonfinite=train.nonfinite,
            run_dir=self.run_dir,
        )

    @property
    def model_kwargs(self) -> dict[str, Any]:
        """The arguments the model was built with (from the data, then the recipe's)."""
        return {**self.data.model_kwargs, **self.config.model.kwargs}


def build_run(
    recipe: Recipe,
    config: RunConfig | None = None,
    *,
    data_root: str | os.PathLike[str] | None = None,
    download: bool = True,
    progress: bool = True,
    timeout: float = 30.0,
    mirror: str | None = None,
) -> Run:
    """Check the settings, fetch the data if missing, build data, model, task and optimiser.

    ``timeout`` (seconds without data) and ``mirror`` (a base URL tried first)
    are the download settings of :func:`d2lkit.data.fetch`.
    """
    access = DataAccess(data_root, download, progress, timeout, mirror)
    return _build(recipe, (config or recipe.config).validate(), access, fetch_first=True)


def _build(recipe: Recipe, config: RunConfig, access: DataAccess, *, fetch_first: bool) -> Run:
    if recipe.kind == "function":
        raise ConfigError(
            f"{recipe.name!r} is a function recipe: it has no model or Trainer to build",
            fix=f"run it with run_recipe (`d2lkit run {recipe.name}`)",
        )
    device = resolve_device(config.train.device)  # fail before any work
    if device.type == "cuda":  # fixed batch shapes: cuDNN times its kernels once, keeps the best
        torch.backends.cudnn.benchmark = True
    loss = build_loss(config.train.loss, config.task.name)
    distributed.init_distributed(device)  # under torchrun: join the group before sharding data
    # the optimiser needs torch._dynamo: imported while the data are read, 0.25-0.5 s is saved
    with importing_in_background("torch._dynamo"):
        if fetch_first:
            fetch_data(config.data.dataset, access)
        seed_everything(config.train.seed)
        data = build_data(config.data, device=device, seed=config.train.seed, root=access.root)
    model = build_model(config, data, recipe.label(config))
    task = build_task(config.task.name, **{**data.task_kwargs, **config.task.kwargs})
    optimizer = build_optimizer(config.optim, model.parameters())
    scheduler = None
    if config.sched.name is not None:
        per_epoch = len(data.train) if config.sched.interval == "step" else 1
        total = config.sched.total or config.train.epochs * per_epoch
        scheduler = build_scheduler(config.sched.name, optimizer, total, **config.sched.kwargs)
    return Run(recipe, config, device, data, model, task, loss, optimizer, scheduler)


def build_fold(recipe: Recipe, config: RunConfig, fold: int | None, access: DataAccess) -> Run:
    """One training of a K-fold run: fold ``fold`` (0-based), or every row (None)."""
    data = dataclasses.replace(config.data, kwargs={**config.data.kwargs, "fold": fold})
    return _build(recipe, dataclasses.replace(config, data=data), access, fetch_first=False)
