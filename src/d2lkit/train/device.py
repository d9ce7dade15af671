"""Choosing the device: ``auto`` means CUDA, then Apple's MPS, then the CPU."""

from __future__ import annotations

import os

import torch

from d2lkit.errors import DeviceError

__all__ = ["resolve_device"]


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps and mps.is_available())


def resolve_device(spec: str | torch.device | None = "auto") -> torch.device:
    """Turn ``auto``, ``cpu``, ``cuda``, ``cuda:1`` or ``mps`` into a device that exists here.

    Under torchrun (``LOCAL_RANK`` set) ``auto`` and ``cuda`` mean ``cuda:LOCAL_RANK``.
    """
    if isinstance(spec, torch.device):
        spec = str(spec)
    local_rank = os.environ.get("LOCAL_RANK")  # set by torchrun: one GPU per process
    if spec in (None, "auto"):
        if torch.cuda.is_available():
            return torch.device("cuda", int(local_rank)) if local_rank else torch.device("cuda")
        return torch.device("mps") if _mps_available() else torch.device("cpu")
    try:
        device = torch.device(spec)
    except (RuntimeError, ValueError):
        raise DeviceError(
            f"{spec!r} is not a device name", fix="use auto, cpu, cuda, cuda:N or mps"
        ) from None
    if device.type == "cuda":
        if device.index is None and local_rank and torch.cuda.is_available():
            device = torch.device("cuda", int(local_rank))
        if not torch.cuda.is_available():
            raise DeviceError(
                "CUDA was asked for, but this machine has no usable CUDA GPU",
                fix="use --device cpu, or --device auto to pick the best device",
            )
        count = torch.cuda.device_count()
        if device.index is not None and device.index >= count:
            raise DeviceError(
                f"{spec} was asked for, but this machine has {count} CUDA GPU(s)",
                fix=f"use cuda:0 … cuda:{count - 1}",
            )
    elif device.type == "mps" and not _mps_available():
        raise DeviceError(
            "MPS was asked for, but this machine has no Apple GPU",
            fix="use --device cpu, or --device auto",
        )
    elif device.type not in ("cpu", "cuda", "mps"):
        raise DeviceError(
            f"device type {device.type!r} is not supported by d2lkit",
            fix="use auto, cpu, cuda or mps",
        )
    return device
