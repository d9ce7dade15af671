"""A run folder and its life: made, locked, described, summed up, resumed, abandoned.

``<out>/<label>/<timestamp>/`` holds config.json (the resolved config,
versions, git revision, seed), metrics.csv and metrics.jsonl (one row per
epoch), curves.png, checkpoint.pt (everything needed to resume) and
summary.json (final figures, timings, the book's figure beside ours). A K-fold
run keeps one child folder per fold (``fold1/`` ...) and ``all/``.

:class:`RunFolder` is the one owner of that layout: every file name, every
read of config.json (checked against the types we write) and the lock that
keeps a second process out while a run is under way live here.

Under torchrun every rank builds the same run; rank 0 alone makes the folder
(its name is broadcast) and writes into it. When torchrun restarts a failed
job (``--max-restarts``), the restarted ranks find the same folder again and
resume it from its last checkpoint.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import d2lkit
from d2lkit.atomic import write_text_atomic
from d2lkit.data.lock import LockHeld, exclusive_lock
from d2lkit.errors import ConfigError
from d2lkit.experiments.config import RunConfig, config_from_dict, config_to_dict
from d2lkit.write_errors import explained_writes

__all__ = ["CHECKPOINT", "CONFIG", "SUMMARY", "RunFolder", "check_out"]

CONFIG, SUMMARY, CHECKPOINT = "config.json", "summary.json", "checkpoint.pt"
_LOCK = "run"  # the lock file is .run.lock
_ELSEWHERE = "choose another folder for run folders with --out"


class RunFolder:
    """One run's folder. Make it with :meth:`create`, or :meth:`open` an earlier one."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"RunFolder({str(self.path)!r})"

    # --- making and finding ------------------------------------------------------------

    @classmethod
    def create(cls, out: str | os.PathLike[str], label: str) -> RunFolder:
        """A new folder ``<out>/<label>/<timestamp>``, agreed by every rank under torchrun."""
        from d2lkit.train import distributed

        out = Path(out)
        run_id = os.environ.get("TORCHELASTIC_RUN_ID")
        note = out / label / f".torchrun-{run_id}" if run_id else None
        path: str | None = None
        if distributed.is_main_process():
            if note is not None and distributed.restart_count() > 0 and note.is_file():
                path = note.read_text().strip()  # this job's folder, made before the restart
            else:
                made = _new_folder(out / label)
                if note is not None:
                    write_text_atomic(note, f"{made}\n")
                path = str(made)
        return cls(distributed.broadcast_object(path))

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> RunFolder:
        """An earlier run's folder, to resume or export; refused if it is not one."""
        folder = cls(path)
        if not (folder.path / CONFIG).is_file():
            raise ConfigError(
                f"{folder.path} is not a run folder: it has no {CONFIG}",
                fix="give the folder of an earlier `d2lkit run` (it holds config.json "
                "and checkpoint.pt), or `--resume latest` with the recipe's name",
            )
        return folder

    @staticmethod
    def latest(out: str | os.PathLike[str], name: str) -> RunFolder:
        """The newest run of recipe ``name`` under ``out`` that holds a checkpoint."""
        out = Path(out)
        found = [
            d
            for pattern in (name, f"{name}+*")
            for d in out.glob(f"{pattern}/*")
            if (d / CHECKPOINT).is_file() and (d / CONFIG).is_file()
        ]
        if not found:
            raise ConfigError(
                f"no run of {name!r} with a checkpoint under {out}",
                fix=f"start one with `d2lkit run {name}`, or pass --out where its runs are",
            )
        return RunFolder(max(found, key=lambda d: ((d / CHECKPOINT).stat().st_mtime, d.name)))

    def child(self, name: str) -> RunFolder:
        """A folder inside this one (a fold of a K-fold run)."""
        return RunFolder(self.path / name)

    @property
    def checkpoint(self) -> Path:
        return self.path / CHECKPOINT

    @property
    def has_checkpoint(self) -> bool:
        return self.checkpoint.is_file()

    # --- one process at a time -----------------------------------------------------------

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold this folder for the block; a second process is refused at once, by pid."""
        from d2lkit.data import clean_stale
        from d2lkit.train import distributed

        if not distributed.is_main_process():  # rank 0 holds it for the whole job
            yield
            return
        with explained_writes(self.path, action="use the run folder", elsewhere=_ELSEWHERE):
            self.path.mkdir(parents=True, exist_ok=True)
        clean_stale(self.path)  # temporary files (and locks) of an earlier, killed process
        try:
            with exclusive_lock(self.path / _LOCK):
                yield
        except LockHeld as held:
            holder = f"process {held.pid}" if held.pid else "another process"
            raise ConfigError(
                f"{self.path} is in use by {holder}, which is running or resuming it",
                fix="wait for it to finish (or stop it), then resume; or start a new run",
            ) from None

    # --- the files ---------------------------------------------------------------------

    def read_config(self) -> tuple[str, RunConfig, dict[str, Any]]:
        """The recipe name, the resolved config and the whole of config.json, all checked."""
        saved = self._read_json(CONFIG)
        recipe = saved.get("recipe")
        if not isinstance(recipe, str):
            raise self._damaged(CONFIG, "recipe", recipe, "a recipe name")
        try:
            config = config_from_dict(saved.get("config"))  # type: ignore[arg-type]
        except ConfigError as exc:
            raise ConfigError(f"{self.path / CONFIG}: {exc.message}", fix=exc.fix) from None
        return recipe, config, saved

    def write_config(self, recipe: Any, config: RunConfig, device: Any, **extra: Any) -> None:
        """config.json: the resolved config, device, git revision and versions.

        ``extra`` adds entries (the model's resolved arguments, what a resume changed).
        """
        import torch

        self.write_json(
            CONFIG,
            {
                "recipe": recipe.name,
                "section": recipe.section,
                "kind": recipe.kind,
                "config": config_to_dict(config),
                **extra,
                "device": str(device),
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

    def read_summary(self) -> dict[str, Any] | None:
        """summary.json of a finished run (or fold), None while there is none."""
        if not (self.path / SUMMARY).is_file():
            return None
        return self._read_json(SUMMARY)

    def write_summary(self, summary: Mapping[str, Any]) -> None:
        self.write_json(SUMMARY, summary)

    def write_json(self, name: str, data: Mapping[str, Any]) -> None:
        text = json.dumps(data, indent=2) + "\n"
        write_text_atomic(self.path / name, text, elsewhere=_ELSEWHERE)

    def _read_json(self, name: str) -> dict[str, Any]:
        path = self.path / name
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise ConfigError(
                f"cannot read {path} ({exc.__class__.__name__}: {exc})",
                fix="restore the file, or start a new run",
            ) from None
        if not isinstance(data, dict):
            raise self._damaged(name, "(the whole file)", data, "a JSON object")
        return data

    def _damaged(self, name: str, field: str, found: Any, expected: str) -> ConfigError:
        return ConfigError(
            f"{self.path / name}: {field} is {found!r}, expected {expected}",
            fix="restore the file, or start a new run",
        )

    # --- endings -------------------------------------------------------------------------

    def abandon(self) -> None:
        """Remove the folder of a run that failed before it trained (config.json at most)."""
        if not self.path.is_dir():
            return
        left = {p.name for p in self.path.iterdir()} - {CONFIG, f".{_LOCK}.lock"}
        if not left:
            shutil.rmtree(self.path, ignore_errors=True)

    def interrupted(self, epochs_done: int, epochs: int, recipe: str) -> str:
        """What Ctrl-C left, and how to go on."""
        done = f"{epochs_done} epoch{'s' * (epochs_done != 1)} of {epochs} finished"
        if self.has_checkpoint:
            return (
                f"{done}; {self.checkpoint} holds the last finished epoch.\n"
                f"continue with `d2lkit run --resume {self.path}`"
            )
        return (
            f"{done}, so there is no checkpoint in {self.path} to resume from.\n"
            f"start again with `d2lkit run {recipe}`"
        )


def check_out(out: str | os.PathLike[str]) -> None:
    """Fail before any work when run folders cannot be made under ``out``."""
    out = Path(out)
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


def _new_folder(parent: Path) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    for suffix in ("", *(f"-{i}" for i in range(1, 100))):
        candidate = parent / f"{stamp}{suffix}"
        with explained_writes(candidate, action="make the run folder", elsewhere=_ELSEWHERE):
            try:
                candidate.mkdir(parents=True)
            except FileExistsError:  # made this second already: take the next name
                continue
        return candidate
    raise ConfigError(
        f"cannot make a new run folder under {parent}",
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
