"""Share a trained model safely: weights as safetensors plus the config to rebuild it.

A checkpoint is a pickle (read with ``weights_only=True``, but still more than
tensors); an export is only tensors (``model.safetensors``) and JSON
(``model.json``: the registered model name and its arguments), so anyone can
load it with :func:`load_exported` = ``create_model`` + ``load_state_dict``
without unpickling anything.

Nothing that cannot be loaded back is exported: non-finite weights are refused
(unless ``allow_nonfinite``), and the two files are loaded back, through
:func:`load_exported`'s own path, before they are put in place. Loading checks
model.json against the tensor file's header (names and shapes, read without
reading the tensors) on a skeleton built on the ``meta`` device, which holds
no memory, before the real model is built.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

import d2lkit
from d2lkit.atomic import atomic_path
from d2lkit.errors import ConfigError
from d2lkit.experiments.run.folder import CONFIG, RunFolder
from d2lkit.models import create_model
from d2lkit.train.checkpoint import check_checkpoint, load_checkpoint

__all__ = ["EXPORT_FORMATS", "export_run", "load_exported"]

EXPORT_FORMATS = ("safetensors",)
WEIGHTS_FILE, META_FILE = "model.safetensors", "model.json"
_AGAIN = "export the run again (`d2lkit export` writes both files together)"


def export_run(
    run_dir: str | os.PathLike[str],
    out: str | os.PathLike[str] | None = None,
    fmt: str = "safetensors",
    *,
    allow_nonfinite: bool = False,
) -> Path:
    """Write ``model.safetensors`` and ``model.json`` for a run folder; return the folder.

    Refused, with nothing written: a damaged config.json or checkpoint, weights
    that are NaN or infinite (unless ``allow_nonfinite``), and a model.json that
    does not rebuild the weights exactly (checked by loading both files back).
    The files get the permissions the process's umask gives any new file.
    """
    if fmt not in EXPORT_FORMATS:
        raise ConfigError(f"unknown export format {fmt!r}", fix=f"use {', '.join(EXPORT_FORMATS)}")
    from safetensors.torch import save_file

    folder = RunFolder.open(run_dir)
    _, config, saved = folder.read_config()
    kwargs = saved.get("model_kwargs", config.model.kwargs)
    if not isinstance(kwargs, Mapping) or not all(isinstance(k, str) for k in kwargs):
        raise ConfigError(
            f"{folder.path / CONFIG}: model_kwargs is {kwargs!r}, expected a mapping of "
            "argument names to values",
            fix="restore the file, or start a new run",
        )
    state = check_checkpoint(load_checkpoint(folder.checkpoint), folder.checkpoint)["model"]
    # safetensors refuses tensors sharing memory; contiguous copies keep values exact.
    tensors = {k: v.detach().cpu().contiguous().clone() for k, v in state.items()}
    if not allow_nonfinite:
        _refuse_nonfinite(tensors, folder.checkpoint)
    meta = {
        "model": config.model.name,
        "kwargs": kwargs,
        "recipe": saved.get("recipe"),
        "d2lkit": d2lkit.__version__,
        "torch": torch.__version__,
    }
    target = Path(out) if out is not None else folder.path
    mode = _new_file_mode()
    with atomic_path(target / WEIGHTS_FILE) as weights, atomic_path(target / META_FILE) as desc:
        save_file(tensors, str(weights), metadata={"model": config.model.name})
        desc.write_text(json.dumps(meta, indent=2) + "\n")
        for path in (weights, desc):
            os.chmod(path, mode)
        _check_loads_back(desc, weights, tensors, target)
    return target


def load_exported(folder: str | os.PathLike[str], device: str | torch.device = "cpu") -> nn.Module:
    """Rebuild an exported model: ``create_model(name, **kwargs)`` then its weights.

    model.json is checked against the tensor file's header first (on a skeleton
    of the model that holds no memory): sizes that do not match are one
    ConfigError, never a model of absurd size built in memory.
    """
    folder = Path(folder)
    if not (folder / META_FILE).is_file():
        raise ConfigError(f"{folder} holds no {META_FILE}", fix=_export_first(folder))
    return _load(folder / META_FILE, folder / WEIGHTS_FILE, device)


def _load(meta_path: Path, weights_path: Path, device: str | torch.device) -> nn.Module:
    from safetensors.torch import load_file

    name, kwargs = _read_meta(meta_path)
    shapes = _header_shapes(weights_path)
    _check_sizes(name, kwargs, shapes, meta_path, weights_path)
    model = _build(name, kwargs, meta_path)
    model.load_state_dict(load_file(str(weights_path), device=str(device)))
    return model.to(device)


def _read_meta(path: Path) -> tuple[str, dict[str, Any]]:
    """model.json's model name and arguments, checked against what export_run writes."""
    fix = f"{_AGAIN}, or restore {path.name}"
    try:
        meta = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"cannot read {path} ({exc.__class__.__name__}: {exc})", fix=fix
        ) from None
    if not isinstance(meta, dict):
        raise ConfigError(f"{path}: the whole file is {meta!r}, expected a JSON object", fix=fix)
    name, kwargs = meta.get("model"), meta.get("kwargs")
    if not isinstance(name, str):
        raise ConfigError(f"{path}: model is {name!r}, expected a registered model name", fix=fix)
    if not isinstance(kwargs, dict):
        raise ConfigError(f"{path}: kwargs is {kwargs!r}, expected an object of arguments", fix=fix)
    return name, {k: tuple(v) if isinstance(v, list) else v for k, v in kwargs.items()}


def _header_shapes(path: Path) -> dict[str, tuple[int, ...]]:
    """Every tensor's shape, from the safetensors header: no tensor is read."""
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as f:
            return {key: tuple(f.get_slice(key).get_shape()) for key in f.keys()}  # noqa: SIM118
    except Exception as exc:  # safetensors raises its own error type, and OSError
        raise ConfigError(
            f"cannot read the tensors of {path} ({exc.__class__.__name__}: {exc})", fix=_AGAIN
        ) from None


def _build(name: str, kwargs: Mapping[str, Any], meta_path: Path) -> nn.Module:
    try:
        return create_model(name, **kwargs)
    except ConfigError as exc:
        raise ConfigError(f"{meta_path}: {exc.message}", fix=exc.fix or _AGAIN) from None
    except Exception as exc:  # a constructor given arguments of the wrong type
        raise ConfigError(
            f"{meta_path}: {name}(**{dict(kwargs)!r}) cannot be built "
            f"({exc.__class__.__name__}: {exc})",
            fix=_AGAIN,
        ) from None


def _check_sizes(
    name: str,
    kwargs: Mapping[str, Any],
    shapes: Mapping[str, tuple[int, ...]],
    meta_path: Path,
    weights_path: Path,
) -> None:
    """The model model.json describes, built on the meta device, holds the file's shapes."""
    with torch.device("meta"):
        skeleton = _build(name, kwargs, meta_path)
    own = {k: tuple(v.shape) for k, v in skeleton.state_dict().items()}
    for key in [*own, *(k for k in shapes if k not in own)]:  # in the model's order
        mine, theirs = own.get(key), shapes.get(key)
        if mine != theirs:
            said = lambda shape: "no such tensor" if shape is None else f"shape {shape}"  # noqa: E731
            raise ConfigError(
                f"{meta_path} does not rebuild the tensors of {weights_path}: {key} has "
                f"{said(theirs)} in the file, {said(mine)} in the model {name} built from "
                f"{meta_path.name}",
                fix=_AGAIN,
            )


def _check_loads_back(
    meta_path: Path, weights_path: Path, tensors: Mapping[str, torch.Tensor], target: Path
) -> None:
    """Load the files just written as a user would, and compare every tensor exactly."""
    try:
        loaded = _load(meta_path, weights_path, "cpu").state_dict()
    except ConfigError as exc:  # name the files as they will be called, not their temporaries
        message = exc.message.replace(str(meta_path), str(target / META_FILE))
        message = message.replace(str(weights_path), str(target / WEIGHTS_FILE))
        message = message.replace(meta_path.name, META_FILE)
        raise ConfigError(f"not exported: {message}", fix=_FIX_KWARGS) from None
    for key, tensor in tensors.items():
        if key not in loaded or not _identical(loaded[key], tensor):
            raise ConfigError(
                f"not exported: {key} loads back from {META_FILE} and {WEIGHTS_FILE} "
                "with other values",
                fix=_FIX_KWARGS,
            )


_FIX_KWARGS = (
    "model_kwargs in the run's config.json must be the arguments the model was built with; "
    "restore the file, or train the run again"
)


def _identical(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Same dtype, shape and values, NaNs in the same places."""
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.is_floating_point():
        return torch.equal(a.isnan(), b.isnan()) and torch.equal(a.nan_to_num(0), b.nan_to_num(0))
    return torch.equal(a, b)


def _refuse_nonfinite(tensors: Mapping[str, torch.Tensor], checkpoint: Path) -> None:
    bad = {
        key: int((~torch.isfinite(t)).sum())
        for key, t in tensors.items()
        if t.is_floating_point() and not bool(torch.isfinite(t).all())
    }
    if bad:
        named = ", ".join(f"{k}: {n} of {tensors[k].numel()}" for k, n in list(bad.items())[:3])
        more = f" and {len(bad) - 3} more tensors" if len(bad) > 3 else ""
        raise ConfigError(
            f"{checkpoint} holds NaN or infinite weights ({named}{more}); "
            "a model with them predicts nothing useful",
            fix="train again with a lower --lr (or --set train.grad_clip=1); to export them "
            "anyway, pass allow_nonfinite=True (`d2lkit export --allow-nonfinite`)",
        )


def _new_file_mode() -> int:
    """The mode a new file gets here: 0o666 less the process's umask (read, not changed)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # no /proc: read it by setting it, and put it back at once
    os.umask(mask)
    return 0o666 & ~mask


def _export_first(folder: Path) -> str:
    """The command that makes what ``folder`` lacks, with real paths."""
    if (folder / CONFIG).is_file():
        return f"export the run first: d2lkit export {folder}"
    runs = sorted(Path("runs").glob("*/*/checkpoint.pt"), key=lambda p: p.stat().st_mtime)
    if runs:
        return (
            f"export a run into it, e.g. the newest: d2lkit export {runs[-1].parent} --out {folder}"
        )
    return (
        f"no run folder found under ./runs to export; train one with `d2lkit run "
        f"softmax-regression` (it prints its run folder), then export it with "
        f"`d2lkit export <that folder> --out {folder}`"
    )
