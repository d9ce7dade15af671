"""cpu / gpu / try_gpu / try_all_gpus: the 1.0 book's answers for the GPUs present."""

from __future__ import annotations

import pytest
import torch

from d2lkit.compat.v1 import devices
from d2lkit.v1 import torch as d2l


@pytest.mark.parametrize("present", [0, 2])
def test_try_gpu_and_try_all_gpus_follow_the_gpus_present(
    monkeypatch: pytest.MonkeyPatch, present: int
):
    monkeypatch.setattr(devices, "num_gpus", lambda: present)
    assert d2l.cpu() == torch.device("cpu") and d2l.gpu(1) == torch.device("cuda:1")
    assert devices.try_gpu() == (torch.device("cuda:0") if present else torch.device("cpu"))
    assert devices.try_gpu(10) == torch.device("cpu")
    assert devices.try_all_gpus() == [torch.device(f"cuda:{i}") for i in range(present)]


def test_num_gpus_is_torchs_count():
    assert d2l.num_gpus() == torch.cuda.device_count()
