"""Run a recipe: build everything from its config, train, and write the run folder.

A run folder ``<out>/<recipe>/<timestamp>/`` holds config.json (resolved
config, versions, git revision, seed), metrics.csv and metrics.jsonl (one row
per epoch), curves.png, checkpoint.pt (everything needed to resume) and
summary.json (final metrics, timings, the book's figure beside ours).
"""

from __future__ import annotations

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

import d2lkit
from d2lkit.atomic import write_text_atomic
from d2lkit.data import data_dir, fetch
from d2lkit.errors import ConfigError
from d2lkit.experiments.components import build_data, build_loss, build_optimizer
from d2lkit.experiments.config import RunConfig, config_from_dict, config_to_dict
from d2lkit.experiments.recipe import Recipe
from d2lkit.models import create_model, init_weights
from d2lkit.train import (
    Callback,
    Checkpoint,
    CurvePlot,
    MetricsLogger,
    ProgressBar,
    Trainer,
    resolve_device,
    seed_everything,
)

__all__ = ["RunResult", "load_run_config", "run_recipe"]

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
    recipe: Recipe,
    config: RunConfig,
    history: list[dict[str, Any]],
    wall: float,
    device: torch.device,
    resumed_from: int | None,
) -> dict[str, Any]:
    last = history[-1]
    summary: dict[str, Any] = {
        "recipe": recipe.name,
        "section": recipe.section,
        "epochs": last["epoch"],
        "final": {k: v for k, v in last.items() if k.endswith(("_loss", "_acc"))},
        "wall_time_s": wall,
        "train_time_s": sum(row["train_time"] for row in history),
        "examples_per_sec": sum(row["examples_per_sec"] for row in history) / len(history),
        "device": str(device),
        "seed": config.train.seed,
        "resumed_from_epoch": resumed_from,
    }
    if recipe.expected is not None:
        e = recipe.expected
        ours = last.get(e.metric)
        summary["book"] = {
            "metric": e.metric,
            "book": e.value,
            "tolerance": e.tolerance,
            "ours": ours,
            "ok": ours is not None and e.check(ours),
            "source": e.source,
        }
    return summary


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
    config = (config or recipe.config).validate()
    device = resolve_device(config.train.device)  # fail before any work
    resumed_from = None
    if resume is not None:
        saved_name, _ = load_run_config(resume)
        if saved_name != recipe.name:
            raise ConfigError(
                f"{resume} is a run of {saved_name!r}, not {recipe.name!r}",
                fix=f"resume it with `d2lkit run {saved_name} --resume {resume}`",
            )

    if download:
        fetch(config.data.dataset, data_root, progress=progress)
    seed_everything(config.train.seed)
    model = create_model(config.model.name, **config.model.kwargs)
    if config.model.init:
        init_weights(model, config.model.init)
    train, valid = build_data(config.data, device=device, seed=config.train.seed, root=data_root)
    # The run folder is made only now: a bad setting or missing data leaves no empty folder.
    run_dir = Path(resume) if resume is not None else _new_run_dir(Path(out), recipe.name)
    trainer = Trainer(
        model,
        build_loss(config.train.loss),
        build_optimizer(config.optim, model.parameters()),
        device=device,
        callbacks=[
            *([ProgressBar()] if progress else []),
            MetricsLogger(run_dir),
            CurvePlot(run_dir / "curves.png", title=f"{recipe.name} (d2l {recipe.section})"),
            Checkpoint(run_dir / CHECKPOINT_FILE),
            *callbacks,
        ],
        amp=config.train.amp,
        compile=config.train.compile,
        grad_clip=config.train.grad_clip,
    )
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
    start = time.perf_counter()
    history = trainer.fit(train, valid, epochs=config.train.epochs)
    wall = time.perf_counter() - start
    summary = _summary(recipe, config, history, wall, device, resumed_from)
    _write_json(run_dir / SUMMARY_FILE, summary)
    return RunResult(run_dir, summary, history)
