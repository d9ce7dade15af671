"""Share a trained model safely: weights as safetensors plus the config to rebuild it.

A checkpoint is a pickle (read with ``weights_only=True``, but still more than
tensors); an export is only tensors (``model.safetensors``) and JSON
(``model.json``: the registered model name and its arguments), so anyone can
load it with :func:`load_exported` = ``create_model`` + ``load_state_dict``
without unpickling anything.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch
from torch import nn

import d2lkit
from d2lkit.atomic import atomic_path, write_text_atomic
from d2lkit.errors import ConfigError
from d2lkit.experiments.run.folder import RunFolder
from d2lkit.models import create_model
from d2lkit.train.checkpoint import load_checkpoint

__all__ = ["EXPORT_FORMATS", "export_run", "load_exported"]

EXPORT_FORMATS = ("safetensors",)
WEIGHTS_FILE, META_FILE = "model.safetensors", "model.json"


def export_run(
    run_dir: str | os.PathLike[str],
    out: str | os.PathLike[str] | None = None,
    fmt: str = "safetensors",
) -> Path:
    """Write ``model.safetensors`` and ``model.json`` for a run folder; return the folder."""
    if fmt not in EXPORT_FORMATS:
        raise ConfigError(f"unknown export format {fmt!r}", fix=f"use {', '.join(EXPORT_FORMATS)}")
    from safetensors.torch import save_file

    folder = RunFolder.open(run_dir)
    _, config, saved = folder.read_config()
    state = load_checkpoint(folder.checkpoint)["model"]
    kwargs = saved.get("model_kwargs", config.model.kwargs)
    target = Path(out) if out is not None else folder.path
    target.mkdir(parents=True, exist_ok=True)
    # safetensors refuses tensors sharing memory; contiguous copies keep values exact.
    tensors = {k: v.detach().cpu().contiguous().clone() for k, v in state.items()}
    with atomic_path(target / WEIGHTS_FILE) as tmp:
        save_file(tensors, str(tmp), metadata={"model": config.model.name})
    meta = {
        "model": config.model.name,
        "kwargs": kwargs,
        "recipe": saved.get("recipe"),
        "d2lkit": d2lkit.__version__,
        "torch": torch.__version__,
    }
    write_text_atomic(target / META_FILE, json.dumps(meta, indent=2) + "\n")
    return target


def load_exported(folder: str | os.PathLike[str], device: str | torch.device = "cpu") -> nn.Module:
    """Rebuild an exported model: ``create_model(name, **kwargs)`` then its weights."""
    from safetensors.torch import load_file

    folder = Path(folder)
    try:
        meta = json.loads((folder / META_FILE).read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"{folder} holds no readable {META_FILE} ({exc.__class__.__name__})",
            fix="export a run first: d2lkit export RUN_DIR",
        ) from None
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in meta["kwargs"].items()}
    model = create_model(meta["model"], **kwargs)
    model.load_state_dict(load_file(str(folder / WEIGHTS_FILE), device=str(device)))
    return model.to(device)
