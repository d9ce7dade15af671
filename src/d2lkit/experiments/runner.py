"""Run a recipe: build everything from its config, train, and write the run folder.

A run folder ``<out>/<recipe>/<timestamp>/`` holds config.json (resolved
config, versions, git revision, seed), metrics.csv and metrics.jsonl (one row
per epoch), curves.png, checkpoint.pt (everything needed to resume) and
summary.json (final metrics, timings, the book's figure beside ours).
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import torch
from torch import nn

import d2lkit
from d2lkit.atomic import write_text_atomic
from d2lkit.data import data_dir, fetch
from d2lkit.errors import ConfigError
from d2lkit.experiments.components import RunData, build_data, build_loss, build_optimizer
from d2lkit.experiments.config import RunConfig, config_from_dict, config_to_dict
from d2lkit.experiments.recipe import Recipe
from d2lkit.models import create_model, init_weights
from d2lkit.train import (
    Callback,
    Checkpoint,
    CurvePlot,
    MetricsLogger,
    ProgressBar,
    StepLogger,
    Trainer,
    resolve_device,
    seed_everything,
)
from d2lkit.train.schedules import build_scheduler
from d2lkit.train.tasks import Task, build_task

__all__ = ["Run", "RunResult", "build_run", "load_run_config", "run_recipe"]

CONFIG_FILE, SUMMARY_FILE, CHECKPOINT_FILE = "config.json", "summary.json", "checkpoint.pt"


@dataclass(frozen=True)
class RunResult:
    run_dir: Path
    summary: dict[str, Any]
    history: list[dict[str, Any]]


def _new_run_dir(out: Path, name: str) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    for suffix in ("", *(f"-{i}" for i in range(1, 100))):
        candidate = out / name / f"{stamp}{suffix}"
        try:
            candidate.mkdir(parents=True)
            return candidate
        except FileExistsError:
            continue
    raise ConfigError(
        f"cannot make a new run folder under {out / name}",
        fix="remove old runs or choose another --out",
    )


def _git_revision() -> str | None:
    source = Path(d2lkit.__file__).resolve().parents[2]
    if not (source / ".git").exists():
        return None
    try:
        rev = subprocess.run(
            ["git", "-C", str(source), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(source), "status", "--porcelain"],
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return rev + ("+dirty" if dirty else "")


def _write_json(path: Path, data: dict[str, Any]) -> None:
    write_text_atomic(path, json.dumps(data, indent=2) + "\n")


def load_run_config(run_dir: str | os.PathLike[str]) -> tuple[str, RunConfig]:
    """The recipe name and resolved config saved in a run folder."""
    path = Path(run_dir) / CONFIG_FILE
    try:
        saved = json.loads(path.read_text())
        return saved["recipe"], config_from_dict(saved["config"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"cannot read the run's configuration {path} ({exc})",
            fix="give the folder of an earlier `d2lkit run` (it holds config.json "
            "and checkpoint.pt)",
        ) from None


def _summary(
    run: Run,
    trainer: Trainer,
    history: list[dict[str, Any]],
    wall: float,
    resumed_from: int | None,
) -> dict[str, Any]:
    recipe, config = run.recipe, run.config
    last = history[-1]
    speed = trainer.throughput_key
    summary: dict[str, Any] = {
        "recipe": recipe.name,
        "section": recipe.section,
        "epochs": last["epoch"],
        "task": config.train.task,
        "unit": trainer.task.unit,
        "final": {k: last[k] for k in trainer.metric_names if k in last},
        "wall_time_s": wall,
        "train_time_s": sum(row["train_time"] for row in history),
        speed: sum(row[speed] for row in history) / len(history),
        "device": str(run.device),
        "seed": config.train.seed,
        "resumed_from_epoch": resumed_from,
    }
    text = {k: v for k, v in last.items() if isinstance(v, str)}
    if text:  # what callbacks wrote in words: sampled text, translations
        summary["text"] = text
    if recipe.expected is not None:
        e = recipe.expected
        ours = last.get(e.metric)
        summary["book"] = {
            "metric": e.metric,
            "book": e.value,
            "tolerance": e.tolerance,
            "ours": ours,
            "ok": ours is not None and e.check(ours),
            "lower_is_better": e.lower_is_better,
            "source": e.source,
        }
    return summary


@dataclass
class Run:
    """Everything a recipe's run is built from, before any file is written.

    ``build_run`` makes it (checking settings, fetching data, building model,
    task, loss, optimiser and schedule); ``make_trainer`` joins them with the
    callbacks of wherever the run is going (a run folder, a notebook, a test).
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
            amp=train.amp,
            compile=train.compile,
            grad_clip=train.grad_clip,
            scheduler_interval=self.config.sched.interval,
            nonfinite=train.nonfinite,
        )


def build_run(
    recipe: Recipe,
    config: RunConfig | None = None,
    *,
    data_root: str | os.PathLike[str] | None = None,
    download: bool = True,
    progress: bool = True,
) -> Run:
    """Check the settings, fetch the data if missing, build data, model, task and optimiser."""
    config = (config or recipe.config).validate()
    device = resolve_device(config.train.device)  # fail before any work
    if download:
        fetch(config.data.dataset, data_root, progress=progress)
    seed_everything(config.train.seed)
    data = build_data(config.data, device=device, seed=config.train.seed, root=data_root)
    model = create_model(config.model.name, **{**data.model_kwargs, **config.model.kwargs})
    if config.model.init:
        init_weights(model, config.model.init)
    task = build_task(config.train.task, **data.task_kwargs)
    optimizer = build_optimizer(config.optim, model.parameters())
    scheduler = None
    if config.sched.name is not None:
        sched = dataclasses.asdict(config.sched)
        name, interval = sched.pop("name"), sched.pop("interval")
        per_epoch = len(data.train) if interval == "step" else 1
        scheduler = build_scheduler(name, optimizer, config.train.epochs * per_epoch, **sched)
    return Run(
        recipe,
        config,
        device,
        data,
        model,
        task,
        build_loss(config.train.loss),
        optimizer,
        scheduler,
    )


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
) -> RunResult:
    """Train ``recipe`` (with ``config`` overriding its settings) and write its run folder.

    ``resume`` is an earlier run folder: training continues there from its last
    checkpoint up to ``config.train.epochs``. Data files that are missing are
    downloaded first (verified, atomically) unless ``download`` is False;
    files already present are only verified.
    """
    if resume is not None:
        saved_name, _ = load_run_config(resume)
        if saved_name != recipe.name:
            raise ConfigError(
                f"{resume} is a run of {saved_name!r}, not {recipe.name!r}",
                fix=f"resume it with `d2lkit run {saved_name} --resume {resume}`",
            )
    run = build_run(recipe, config, data_root=data_root, download=download, progress=progress)
    config = run.config
    # The run folder is made only now: a bad setting or missing data leaves no empty folder.
    run_dir = Path(resume) if resume is not None else _new_run_dir(Path(out), recipe.name)
    log_every = config.train.log_every
    trainer = run.make_trainer(
        [
            *([ProgressBar()] if progress else []),
            MetricsLogger(run_dir),
            CurvePlot(
                run_dir / "curves.png",
                title=f"{recipe.name} (d2l {recipe.section})",
                yscale=recipe.plot_yscale,
            ),
            *([StepLogger(run_dir / "steps.csv", log_every)] if log_every else []),
            Checkpoint(run_dir / CHECKPOINT_FILE),
            *(recipe.callbacks(run) if recipe.callbacks is not None else ()),
            *callbacks,
        ]
    )
    resumed_from = None
    if resume is not None:
        trainer.load_checkpoint(run_dir / CHECKPOINT_FILE)
        resumed_from = trainer.epoch
        if trainer.epoch >= config.train.epochs:
            raise ConfigError(
                f"{run_dir} already has {trainer.epoch} epochs",
                fix=f"pass --epochs larger than {trainer.epoch} to train on",
            )

    _write_json(
        run_dir / CONFIG_FILE,
        {
            "recipe": recipe.name,
            "section": recipe.section,
            "config": config_to_dict(config),
            "device": str(run.device),
            "data_dir": str(data_dir(data_root).resolve()),
            "git_revision": _git_revision(),
            "versions": {
                "d2lkit": d2lkit.__version__,
                "torch": torch.__version__,
                "python": platform.python_version(),
            },
            "threads": torch.get_num_threads(),
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        },
    )
    start = time.perf_counter()
    history = trainer.fit(run.data.train, run.data.evals, epochs=config.train.epochs)
    wall = time.perf_counter() - start
    summary = _summary(run, trainer, history, wall, resumed_from)
    _write_json(run_dir / SUMMARY_FILE, summary)
    return RunResult(run_dir, summary, history)
