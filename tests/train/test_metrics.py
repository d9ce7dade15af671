"""RunningMetrics: sums kept per batch, folded in float64, read once."""

import pytest
import torch

from d2lkit.train import RunningMetrics
from d2lkit.train.metrics import FirstNonFinite
from d2lkit.train.tasks import Step


def _steps(n: int) -> list[Step]:
    gen = torch.Generator().manual_seed(0)
    steps = []
    for i in range(n):
        loss = torch.rand((), generator=gen)
        tokens = torch.tensor(float(i % 3 + 1))  # a count on the device (tokens)
        steps.append(Step(loss, tokens, {"loss": loss * tokens, "acc": torch.tensor(i % 2)}))
    return steps


@pytest.mark.parametrize("fold", [1, 3, 512])
def test_means_are_the_same_however_often_sums_are_folded(fold):
    steps = _steps(10)
    running = RunningMetrics(torch.device("cpu"))
    running.fold = fold
    for step in steps:
        running.update(step)
    means, count = running.compute()
    expected_count = sum(float(s.count) for s in steps)
    assert count == expected_count
    assert means["loss"] == pytest.approx(sum(float(s.sums["loss"]) for s in steps) / count)
    assert means["acc"] == pytest.approx(5 / count)
    assert running.batches == 10


def test_host_and_device_counts_add_up_and_reset_clears_everything():
    running = RunningMetrics(torch.device("cpu"))
    running.update(Step(torch.tensor(1.0), 4, {"loss": torch.tensor(4.0)}))
    running.update(Step(torch.tensor(2.0), torch.tensor(2.0), {"loss": torch.tensor(4.0)}))
    means, count = running.compute()
    assert (means, count) == ({"loss": 8.0 / 6}, 6.0)
    running.reset()
    assert running.compute() == ({}, 0.0)
    assert running.sums == {}


def test_sums_are_float64_even_for_float32_batches():
    running = RunningMetrics(torch.device("cpu"))
    big = torch.tensor(16_777_216.0)  # 2**24: float32 cannot add 1 to it
    running.update(Step(big, 1, {"loss": big}))
    for _ in range(3):
        running.update(Step(torch.tensor(1.0), 1, {"loss": torch.tensor(1.0)}))
    assert running.sums["loss"].dtype == torch.float64
    assert running.sums["loss"].item() == 16_777_219.0


@pytest.mark.parametrize("fold", [1, 3, 512])
def test_the_first_non_finite_loss_is_found_across_folds(fold):
    watch = FirstNonFinite(first_step=100)
    watch.fold = fold
    losses = [1.0, 2.0, 3.0, 4.0, float("inf"), 5.0, float("nan"), 6.0]
    for value in losses:
        watch.add(torch.tensor(value))
    assert watch.result() == (105, float("inf"))  # global step 100 + 4, counted from 1


def test_all_finite_losses_give_no_result():
    watch = FirstNonFinite()
    watch.fold = 2
    for value in range(5):
        watch.add(torch.tensor(float(value)))
    assert watch.result() is None
    assert FirstNonFinite().result() is None  # no step at all
