"""d2l 1.0's device helpers (5.7): ``cpu``, ``gpu``, ``num_gpus``, ``try_gpu``, ``try_all_gpus``."""

from __future__ import annotations

import torch

__all__ = ["cpu", "gpu", "num_gpus", "try_all_gpus", "try_gpu"]


def cpu() -> torch.device:
    """The CPU device."""
    return torch.device("cpu")


def gpu(i: int = 0) -> torch.device:
    """The CUDA device ``i`` (not checked: tensors put there fail if it is absent)."""
    return torch.device(f"cuda:{i}")


def num_gpus() -> int:
    """How many CUDA devices this process sees."""
    return torch.cuda.device_count()


def try_gpu(i: int = 0) -> torch.device:
    """``gpu(i)`` if it exists, otherwise ``cpu()``."""
    return gpu(i) if num_gpus() >= i + 1 else cpu()


def try_all_gpus() -> list[torch.device]:
    """Every CUDA device; an empty list without one, as the book's code returns."""
    return [gpu(i) for i in range(num_gpus())]
