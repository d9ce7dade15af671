"""Run a recipe: build everything from its config, train, and write the run folder.

A run folder ``<out>/<recipe>/<timestamp>/`` holds config.json (resolved
config, versions, git revision, seed), metrics.csv and metrics.jsonl (one row
per epoch), curves.png, checkpoint.pt (everything needed to resume) and
summary.json (final metrics, timings, the book's figure beside ours).

Under torchrun every rank builds the same run; rank 0 alone makes the folder
(its name is broadcast), writes into it and fetches data first. When torchrun
restarts a failed job (``--max-restarts``), the restarted ranks resume the same
folder from its last checkpoint (see :func:`_job_run_dir`).
"""

from __future__ import annotations

import dataclasses
import json
import logging
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
from d2lkit.data import DATASETS, clean_stale, data_dir, fetch
from d2lkit.errors import ConfigError
from d2lkit.experiments.background_import import importing_in_background
from d2lkit.experiments.collector import older_objects_frozen
from d2lkit.experiments.components import (
    RunData,
    build_data,
    build_loss,
    build_optimizer,
    unaugmented_train_images,
)
from d2lkit.experiments.config import RunConfig, config_from_dict, config_to_dict
from d2lkit.experiments.recipe import Recipe
from d2lkit.models import create_model, init_weights, whiten_first_conv
from d2lkit.train import (
    Callback,
    Checkpoint,
    CurvePlot,
    MetricsLogger,
    ProgressBar,
    StepLogger,
    Trainer,
    distributed,
    resolve_device,
    seed_everything,
)
from d2lkit.train.schedules import SPANS_THE_RUN, build_scheduler
from d2lkit.train.tasks import Task, build_task

log = logging.getLogger(__name__)

__all__ = [
    "Run",
    "RunInterrupted",
    "RunResult",
    "book_verdict",
    "build_run",
    "load_run_config",
    "new_run_dir",
    "run_recipe",
    "write_run_config",
]

CONFIG_FILE, SUMMARY_FILE, CHECKPOINT_FILE = "config.json", "summary.json", "checkpoint.pt"


@dataclass(frozen=True)
class RunResult:
    run_dir: Path
    summary: dict[str, Any]
    history: list[dict[str, Any]]


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C during training, with what is left: the run folder and its checkpoint, if any."""

    def __init__(self, run_dir: Path, epochs_done: int, epochs: int) -> None:
        super().__init__(str(run_dir))
        self.run_dir, self.epochs_done, self.epochs = run_dir, epochs_done, epochs

    @property
    def checkpoint(self) -> Path | None:
        path = self.run_dir / CHECKPOINT_FILE
        return path if path.exists() else None


class _FirstBatches:
    """Serve only the first ``limit`` batches of a loader (``data.limit_batches``: smoke runs).

    Works for any loader; its other attributes and its state pass through.
    """

    def __init__(self, loader: Any, limit: int) -> None:
        self.loader, self.limit = loader, limit

    def __iter__(self) -> Any:
        for i, batch in enumerate(self.loader):
            if i >= self.limit:
                break
            yield batch

    def __len__(self) -> int:
        return min(len(self.loader), self.limit)

    def __getattr__(self, name: str) -> Any:  # state_dict, set_epoch, device ...
        if name == "loader":  # not yet set (a copy being made): no endless recursion
            raise AttributeError(name)
        return getattr(self.loader, name)


def _limit(data: RunData, limit: int | None) -> RunData:
    if limit is None:
        return data
    return dataclasses.replace(
        data,
        train=_FirstBatches(data.train, limit),
        evals={k: _FirstBatches(v, limit) for k, v in data.evals.items()},
    )


def _check_out(out: Path) -> None:
    """Fail before any work when run folders cannot be made under ``out``."""
    existing = next((p for p in (out, *out.parents) if p.exists()), Path("."))
    if not existing.is_dir():
        raise ConfigError(
            f"--out {out} cannot hold run folders: {existing} is a file",
            fix="choose a folder with --out (it is created if missing)",
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ConfigError(
            f"--out {out} cannot hold run folders: {existing} is not writable",
            fix="choose a folder you can write to with --out",
        )


# optim.<field> -> the optimiser's param_group key it sets
_GROUP_KEYS = {
    "lr": "lr",
    "momentum": "momentum",
    "weight_decay": "weight_decay",
    "alpha": "alpha",
    "rho": "rho",
    "eps": "eps",
}


def _apply_resumed_optim(trainer: Trainer, saved: RunConfig, config: RunConfig) -> dict[str, Any]:
    """Put the new optimiser settings of a resumed run into the restored optimiser.

    Returns ``{"optim.lr": [old, new], ...}`` for config.json. A changed optimiser
    name, or an lr change under a schedule (which would rescale it), is refused.
    """
    old, new = saved.optim, config.optim
    changed = {
        f: (getattr(old, f), getattr(new, f))
        for f in dataclasses.asdict(new)
        if getattr(old, f) != getattr(new, f)
    }
    if not changed:
        return {}
    if "name" in changed:
        raise ConfigError(
            f"the run was trained with optim.name={old.name}; it cannot resume with {new.name}",
            fix="resume with the same optimiser, or start a new run",
        )
    if config.sched.name is not None and "lr" in changed:
        raise ConfigError(
            f"optim.lr changed on resume ({old.lr} -> {new.lr}) while schedule "
            f"{config.sched.name!r} sets the lr",
            fix="resume without --lr, or start a new run",
        )
    for group in trainer.optimizer.param_groups:
        for field_name in changed:
            key = _GROUP_KEYS.get(field_name)
            if field_name in ("beta1", "beta2") and "betas" in group:
                group["betas"] = (new.beta1, new.beta2)
            elif key is not None and key in group and getattr(new, field_name) is not None:
                group[key] = getattr(new, field_name)
    for field_name, (before, after) in changed.items():
        log.warning(
            "resuming with optim.%s = %s (the checkpoint had %s)", field_name, after, before
        )
    return {f"optim.{k}": [a, b] for k, (a, b) in changed.items()}


def _check_resumed_schedule(saved: RunConfig, config: RunConfig) -> None:
    """Refuse to stretch a schedule whose shape depends on the run's length.

    A one-cycle or cosine schedule built for the epochs the run started with
    ends there (torch's one-cycle raises; a cosine climbs back up): resuming to
    more epochs would step it past its end.
    """
    sched = config.sched
    if sched.name not in SPANS_THE_RUN or sched.total is not None:
        return
    before, after = saved.train.epochs, config.train.epochs
    if after > before:
        raise ConfigError(
            f"schedule {sched.name!r} spans the {before} epoch(s) this run was started with; "
            f"resuming to {after} would step it past its end",
            fix=f"start a new run with --epochs {after}, or set sched.total when starting a run "
            "you mean to extend",
        )


def new_run_dir(out: Path, name: str) -> Path:
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
        "label": recipe.label(config),
        "model": config.model.name,
        "section": recipe.section,
        "kind": "training",
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
        summary["book"] = book_verdict(recipe, config, last.get(recipe.expected.metric))
    for callback in trainer.callbacks:  # a callback may report more (4.4's learned weights)
        if hasattr(callback, "summary"):
            summary.update(callback.summary())
    return summary


def book_verdict(recipe: Recipe, config: RunConfig, ours: float | None) -> dict[str, Any]:
    """Ours beside the book's figure: "pass" / "fail", or "not compared" when settings differ.

    A run is held against the book only with the book's settings (see
    :meth:`Recipe.differences`); ``pass_at`` is the one bound the check uses.
    """
    e = recipe.expected
    assert e is not None
    differences = recipe.differences(config)
    compared = not differences and ours is not None
    ok = e.check(ours) if compared and ours is not None else None
    return {
        "metric": e.metric,
        "book": e.value,
        "tolerance": e.tolerance,
        "goal": e.goal,
        "pass_at": round(e.pass_at, 10),
        "source": e.source,
        "ours": ours,
        "compared": compared,
        "differences": differences,
        "ok": ok,
        "verdict": "not compared" if not compared else "pass" if ok else "fail",
    }


def write_run_config(
    run_dir: Path,
    recipe: Recipe,
    config: RunConfig,
    device: torch.device | str,
    data_root: Any,
    **extra: Any,
) -> None:
    """config.json: the resolved config, device, data folder, git revision and versions.

    ``extra`` adds entries (the model's resolved arguments, what a resume changed).
    """
    _write_json(
        run_dir / CONFIG_FILE,
        {
            "recipe": recipe.name,
            "section": recipe.section,
            "kind": recipe.kind,
            "config": config_to_dict(config),
            **extra,
            "device": str(device),
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
    run_dir: Path | None = None  # set by run_recipe before the recipe's callbacks are built

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
    if recipe.runner is not None:
        raise ConfigError(
            f"{recipe.name!r} is a function recipe: it has no model or Trainer to build",
            fix=f"run it with run_recipe (`d2lkit run {recipe.name}`)",
        )
    config = (config or recipe.config).validate()
    device = resolve_device(config.train.device)  # fail before any work
    if device.type == "cuda":  # fixed batch shapes: cuDNN times its kernels once, keeps the best
        torch.backends.cudnn.benchmark = True
    loss = build_loss(config.train.loss, config.train.task)
    distributed.init_distributed(device)  # under torchrun: join the group before sharding data
    # the optimiser needs torch._dynamo: imported while the data are read, 0.25-0.5 s is saved
    with importing_in_background("torch._dynamo"):
        if config.data.dataset in _catalog_names():  # offline: check, name all that is missing
            with distributed.main_first():  # one rank downloads; the others then only verify
                fetch(
                    config.data.dataset,
                    data_root,
                    progress=progress and _is_main(),
                    timeout=timeout,
                    mirror=mirror,
                    offline=not download,
                )
        seed_everything(config.train.seed)
        data = build_data(config.data, device=device, seed=config.train.seed, root=data_root)
    data = _limit(data, config.data.limit_batches)
    model = create_model(config.model.name, **{**data.model_kwargs, **config.model.kwargs})
    if config.model.init:
        init_weights(model, config.model.init)
    if config.model.whiten:  # 200,000 of the 3.9 million 3x3 patches of 5,000 images
        images = unaugmented_train_images(data, 5000)
        whiten_first_conv(model, images, seed=config.train.seed)
    reduction = config.train.loss_reduction
    task = build_task(
        config.train.task, **data.task_kwargs, **({"reduction": reduction} if reduction else {})
    )
    optimizer = build_optimizer(config.optim, model.parameters())
    scheduler = None
    if config.sched.name is not None:
        sched = dataclasses.asdict(config.sched)
        name, interval, total = sched.pop("name"), sched.pop("interval"), sched.pop("total")
        per_epoch = len(data.train) if interval == "step" else 1
        total = total or config.train.epochs * per_epoch
        scheduler = build_scheduler(name, optimizer, total, **sched)
    return Run(recipe, config, device, data, model, task, loss, optimizer, scheduler)


def _run_function(
    recipe: Recipe,
    config: RunConfig | None,
    out: Path,
    data_root: str | os.PathLike[str] | None,
    download: bool,
    progress: bool,
) -> RunResult:
    """A function recipe: call its runner in a new run folder; no model, no Trainer."""
    assert recipe.runner is not None
    config = (config or recipe.config).validate()
    if download and config.data.dataset in _catalog_names():
        fetch(config.data.dataset, data_root, progress=progress)
    seed_everything(config.train.seed)
    run_dir = new_run_dir(out, recipe.name)
    write_run_config(run_dir, recipe, config, "cpu", data_root)
    start = time.perf_counter()
    final = {k: float(v) for k, v in recipe.runner(config, run_dir, data_root).items()}
    wall = time.perf_counter() - start
    summary: dict[str, Any] = {
        "recipe": recipe.name,
        "section": recipe.section,
        "kind": "function",
        "epochs": config.train.epochs,
        "final": final,
        "wall_time_s": wall,
        "device": "cpu",
        "seed": config.train.seed,
    }
    if recipe.expected is not None:
        summary["book"] = book_verdict(recipe, config, final.get(recipe.expected.metric))
    _write_json(run_dir / SUMMARY_FILE, summary)
    return RunResult(run_dir, summary, [])


def _catalog_names() -> set[str]:
    """Data sets with files in the store (synthetic and toy ones have none)."""
    return set(DATASETS)


def _is_main() -> bool:
    return distributed.is_main_process()


def _job_run_dir(out: Path, name: str) -> Path:
    """This job's run folder, agreed by all ranks (rank 0 makes it, the others are told).

    torchrun gives every try of one job the same ``TORCHELASTIC_RUN_ID``; rank 0
    notes the folder it made under that id, so that after a failure the
    restarted ranks find it again and resume from its checkpoint.
    """
    run_id = os.environ.get("TORCHELASTIC_RUN_ID")
    note = out / name / f".torchrun-{run_id}" if run_id else None
    run_dir: str | None = None
    if _is_main():
        if note is not None and distributed.restart_count() > 0 and note.is_file():
            run_dir = note.read_text().strip()
        else:
            made = new_run_dir(out, name)
            if note is not None:
                write_text_atomic(note, f"{made}\n")
            run_dir = str(made)
    return Path(distributed.broadcast_object(run_dir))


def _restarted(run_dir: Path) -> bool:
    """torchrun restarted this job after a failure and its folder holds a checkpoint."""
    if distributed.restart_count() == 0:
        return False
    return bool(distributed.broadcast_object((run_dir / CHECKPOINT_FILE).is_file()))


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
    """Train ``recipe`` (with ``config`` overriding its settings) and write its run folder.

    ``resume`` is an earlier run folder: training continues there from its last
    checkpoint up to ``config.train.epochs``. Data files that are missing are
    downloaded first (verified, atomically) unless ``download`` is False;
    files already present are only verified. A recipe with its own
    ``custom_run`` (K-fold) is run by it. ``checkpoint=False`` and
    ``plot=False`` skip checkpoint.pt and curves.png (smoke runs: a large
    model's checkpoint and a drawing cost more than a few batches).
    """
    saved_config = None
    if recipe.runner is not None:
        if resume is not None:
            raise ConfigError(
                f"{recipe.name!r} is a function recipe: it has no checkpoint to resume",
                fix=f"run it again: `d2lkit run {recipe.name}`",
            )
        _check_out(Path(out))
        return _run_function(recipe, config, Path(out), data_root, download, progress)
    if recipe.custom_run is not None:
        return recipe.custom_run(
            recipe,
            config,
            out=out,
            data_root=data_root,
            resume=resume,
            progress=progress,
            download=download,
            callbacks=callbacks,
        )
    if resume is not None:
        saved_name, saved_config = load_run_config(resume)
        if saved_name != recipe.name:
            raise ConfigError(
                f"{resume} is a run of {saved_name!r}, not {recipe.name!r}",
                fix=f"resume it with `d2lkit run {saved_name} --resume {resume}`",
            )
        _check_resumed_schedule(saved_config, config or recipe.config)  # before loading data
    else:
        _check_out(Path(out))
    run = build_run(
        recipe,
        config,
        data_root=data_root,
        download=download,
        progress=progress,
        timeout=timeout,
        mirror=mirror,
    )
    config = run.config
    # The run folder is made only now: a bad setting or missing data leaves no empty folder.
    label = recipe.label(config)
    run_dir = Path(resume) if resume is not None else _job_run_dir(Path(out), label)
    if resume is None and _restarted(run_dir):  # torchrun restarted the job after a failure
        resume = run_dir
        saved_config = load_run_config(run_dir)[1]
    if _is_main():
        clean_stale(run_dir)  # temporary files of an earlier, killed process
    run.run_dir = run_dir
    log_every = config.train.log_every
    trainer = run.make_trainer(
        [
            *([ProgressBar()] if progress else []),
            MetricsLogger(run_dir),
            *(
                [
                    CurvePlot(
                        run_dir / "curves.png",
                        title=f"{label} (d2l {recipe.section})",
                        yscale=recipe.plot_yscale,
                    )
                ]
                if plot
                else []
            ),
            *([StepLogger(run_dir / "steps.csv", log_every)] if log_every else []),
            # At most ~50 saves: 4.4's 1,500 short epochs would mostly write checkpoints.
            *(
                [Checkpoint(run_dir / CHECKPOINT_FILE, every=max(1, config.train.epochs // 50))]
                if checkpoint
                else []
            ),
            *(recipe.callbacks(run) if recipe.callbacks is not None else ()),
            *callbacks,
        ]
    )
    resumed_from, resume_changes = None, {}
    if resume is not None:
        assert saved_config is not None
        trainer.load_checkpoint(run_dir / CHECKPOINT_FILE)
        resume_changes = _apply_resumed_optim(trainer, saved_config, config)
        resumed_from = trainer.epoch
        if trainer.epoch >= config.train.epochs:
            raise ConfigError(
                f"{run_dir} already has {trainer.epoch} epochs",
                fix=f"pass --epochs larger than {trainer.epoch} to train on",
            )

    if _is_main():
        write_run_config(
            run_dir,
            recipe,
            config,
            run.device,
            data_root,
            label=label,
            model_kwargs={**run.data.model_kwargs, **config.model.kwargs},
            resumed=None
            if resumed_from is None
            else {"from_epoch": resumed_from, "changed": resume_changes},
            world_size=distributed.dist_env().world_size,
        )
    start = time.perf_counter()
    try:
        history = trainer.fit(run.data.train, run.data.evals, epochs=config.train.epochs)
    except KeyboardInterrupt as exc:
        raise RunInterrupted(run_dir, trainer.epoch, config.train.epochs) from exc
    wall = time.perf_counter() - start
    summary = _summary(run, trainer, history, wall, resumed_from)
    if _is_main():
        _write_json(run_dir / SUMMARY_FILE, summary)
    return RunResult(run_dir, summary, history)
