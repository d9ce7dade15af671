"""Device choice: auto picks what exists; asking for what is absent explains itself."""

from __future__ import annotations

import pytest
import torch

from d2lkit.errors import DeviceError
from d2lkit.train import resolve_device


def test_auto_picks_cuda_then_mps_then_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr("d2lkit.train.device._mps_available", lambda: False)
    assert resolve_device("auto") == torch.device("cpu")
    monkeypatch.setattr("d2lkit.train.device._mps_available", lambda: True)
    assert resolve_device(None) == torch.device("mps")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == torch.device("cuda")


def test_cuda_without_a_gpu_says_so_and_suggests_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(DeviceError) as info:
        resolve_device("cuda")
    assert "no usable CUDA GPU" in info.value.message
    assert "--device cpu" in info.value.fix


def test_a_name_that_is_no_device_is_refused():
    with pytest.raises(DeviceError, match="not a device name"):
        resolve_device("gpu")
