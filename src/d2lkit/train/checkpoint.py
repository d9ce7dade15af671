"""Atomic checkpoints: a crash mid-save never leaves a half-written file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from d2lkit.atomic import atomic_path
from d2lkit.errors import D2lkitError

__all__ = ["load_checkpoint", "save_checkpoint"]


def save_checkpoint(state: dict[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write ``state`` to a temporary file beside ``path``, then rename it into place."""
    with atomic_path(path) as tmp:
        torch.save(state, tmp)
    return Path(path)


def load_checkpoint(
    path: str | os.PathLike[str], map_location: str | torch.device = "cpu"
) -> dict[str, Any]:
    """Read a checkpoint with ``weights_only=True``: tensors and plain data, never code."""
    path = Path(path)
    if not path.is_file():
        raise D2lkitError(
            f"no checkpoint at {path}",
            fix="give the run directory of an earlier `d2lkit run`, or its checkpoint.pt",
        )
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # torch raises several types for a bad file
        raise D2lkitError(
            f"{path} is not a readable d2lkit checkpoint ({exc.__class__.__name__})",
            fix="it may be damaged or from another program; start a fresh run",
        ) from None
