"""The thread count of a run: explicit wins, then free cores, then whether the step gains."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest
import torch
from torch import nn

from d2lkit.errors import ConfigError
from d2lkit.train import Classification
from d2lkit.train import threads as threads_mod
from d2lkit.train.threads import (
    BIG_STEP_S,
    ThreadChoice,
    choose_threads,
    free_cores,
    probe_batch,
    time_step,
    training_step,
)


def _machine(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    *,
    cores: int,
    load: float,
    running: int | None,
    torch_default: int | None = None,
    used: float | None = 0.0,
) -> None:
    """Fake the machine: ``cores`` usable, a load average, ``running`` runnable now (us too),
    ``used`` cores of CPU time spent by other processes over the window (None: unknown)."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cores)), raising=False)
    monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load))
    monkeypatch.setattr(torch, "get_num_threads", lambda: torch_default or cores)
    monkeypatch.setattr(threads_mod, "_DEFAULT_THREADS", [])  # as in a fresh process
    proc = tmp_path / "loadavg"
    if running is not None:
        proc.write_text(f"{load:.2f} {load:.2f} {load:.2f} {running}/512 4242\n")
    monkeypatch.setattr(threads_mod, "_LOADAVG", proc)  # absent file: unknown
    monkeypatch.setattr(threads_mod.time, "sleep", lambda s: None)
    window = [(0, 0, 0, cores), (round((used or 0) * 100), 100 * cores, 0, cores)]
    ticks = itertools.cycle(window)  # before and after, for every measurement
    monkeypatch.setattr(threads_mod, "_cpu_ticks", lambda: None if used is None else next(ticks))


class _Timer:
    """A fake step timer: seconds per step by thread count, and the counts it was asked for."""

    def __init__(self, seconds: dict[int, float]) -> None:
        self.seconds = seconds
        self.asked: list[int] = []

    def __call__(self, step: object, threads: int) -> float:
        self.asked.append(threads)
        return self.seconds[threads]


def test_an_explicit_count_wins_over_a_busy_machine_and_is_not_timed(monkeypatch, tmp_path):
    _machine(monkeypatch, tmp_path, cores=2, load=6.0, running=7)
    timer = _Timer({})
    choice = choose_threads(3, step=lambda: None, timer=timer)
    assert choice == ThreadChoice(3, "3 set explicitly (train.threads=3)")
    assert choose_threads("2", timer=timer).threads == 2
    assert timer.asked == []


@pytest.mark.parametrize("setting", [0, -2, "two", "1.5", 2.5, True, ""])
def test_a_setting_that_is_not_auto_or_a_count_is_a_config_error(setting):
    with pytest.raises(ConfigError, match=r"train\.threads must be 'auto'"):
        choose_threads(setting)


def test_on_an_idle_machine_a_step_that_gains_from_threads_gets_every_core(monkeypatch, tmp_path):
    _machine(monkeypatch, tmp_path, cores=4, load=0.4, running=1)
    timer = _Timer({1: 0.020, 4: 0.008})
    choice = choose_threads("auto", step=lambda: None, timer=timer)
    assert choice.threads == 4
    assert timer.asked == [1, 4]  # a clear gain: one round
    assert "4 of 4 cores free (others use 0.00 cores, 0 other runnable; load 0.40)" in choice.reason
    assert "20.0 ms on 1 thread, 8.0 ms on 4" in choice.reason


def test_a_step_too_small_to_gain_uses_one_thread_on_an_idle_machine(monkeypatch, tmp_path):
    _machine(monkeypatch, tmp_path, cores=2, load=0.1, running=1)
    timer = _Timer({1: 0.00050, 2: 0.00040})  # 1.25x: under the 1.3x the threads must bring
    choice = choose_threads("auto", step=lambda: None, timer=timer)
    assert choice.threads == 1
    assert "under 1.3x faster" in choice.reason and "\n" not in choice.reason


def test_a_step_slow_on_one_thread_gets_the_free_cores_without_a_second_timing(
    monkeypatch, tmp_path
):
    _machine(monkeypatch, tmp_path, cores=2, load=0.0, running=1)
    timer = _Timer({1: BIG_STEP_S * 2})
    choice = choose_threads("auto", step=lambda: None, timer=timer)
    assert choice.threads == 2 and timer.asked == [1]
    assert "large enough to gain" in choice.reason


def test_a_second_run_started_at_the_same_moment_leaves_one_core(monkeypatch, tmp_path):
    # the load average has not moved yet; the sibling is runnable now
    _machine(monkeypatch, tmp_path, cores=2, load=0.3, running=2)
    timer = _Timer({1: 0.020, 2: 0.005})
    choice = choose_threads("auto", step=lambda: None, timer=timer)
    assert choice.threads == 1 and timer.asked == []
    assert choice.reason == (
        "1 thread: 1 of 2 cores free (others use 0.00 cores, 1 other runnable; load 0.30)"
    )


def test_other_processes_using_a_core_leave_one_thread(monkeypatch, tmp_path):
    _machine(monkeypatch, tmp_path, cores=2, load=4.6, running=1, used=1.2)
    assert choose_threads("auto", step=lambda: None, timer=_Timer({})).threads == 1


def test_the_load_average_a_finished_run_leaves_behind_does_not_count(monkeypatch, tmp_path):
    # right after a run ends (reproduce's previous recipe) the 1-minute average is still
    # near 2 while both cores are idle: the CPU time measured now decides
    _machine(monkeypatch, tmp_path, cores=2, load=1.76, running=1, used=0.03)
    timer = _Timer({1: 0.020, 2: 0.010})
    choice = choose_threads("auto", step=lambda: None, timer=timer)
    assert choice.threads == 2 and timer.asked == [1, 2]
    assert "2 of 2 cores free (others use 0.03 cores, 0 other runnable; load 1.76)" in choice.reason


def test_free_cores_subtract_the_larger_of_cores_used_and_runnable(monkeypatch, tmp_path):
    _machine(monkeypatch, tmp_path, cores=8, load=0.5, running=4, used=1.4)  # 3 runnable now
    cores = free_cores()
    assert (cores.usable, cores.runnable, cores.free) == (8, 3, 5)
    _machine(monkeypatch, tmp_path, cores=8, load=0.5, running=1, used=4.6)  # 5 cores' worth
    assert free_cores().free == 3
    _machine(monkeypatch, tmp_path, cores=8, load=0.5, running=1, used=0.4)  # under half a core
    assert free_cores().free == 8


def test_without_proc_stat_the_load_average_counts_instead(monkeypatch, tmp_path):
    _machine(monkeypatch, tmp_path, cores=2, load=4.6, running=1, used=None)
    cores = free_cores()
    assert cores.free == 1 and cores.describe() == "1 of 2 cores free (0 other runnable; load 4.60)"


def test_torch_default_caps_the_cores_so_omp_num_threads_still_counts(monkeypatch, tmp_path):
    _machine(monkeypatch, tmp_path, cores=4, load=0.0, running=1, torch_default=1)
    choice = choose_threads("auto", step=lambda: None, timer=_Timer({}))
    assert choice == ThreadChoice(
        1, "1 thread: 1 of 1 core free (others use 0.00 cores, 0 other runnable; load 0.00)"
    )


def test_without_proc_loadavg_the_load_average_alone_decides(monkeypatch, tmp_path):
    _machine(monkeypatch, tmp_path, cores=2, load=0.5, running=None, used=None)
    cores = free_cores()
    assert (cores.free, cores.runnable) == (2, -1)
    assert cores.describe() == "2 of 2 cores free (load 0.50)"


def test_without_a_step_the_free_cores_decide(monkeypatch, tmp_path):
    _machine(monkeypatch, tmp_path, cores=2, load=0.2, running=1)
    assert choose_threads().threads == 2


def test_time_step_runs_the_step_at_the_asked_count_and_restores_torchs(monkeypatch):
    before = torch.get_num_threads()
    seen: list[int] = []
    seconds = time_step(lambda: seen.append(torch.get_num_threads()), 1)
    assert seen == [1, 1, 1, 1]  # a warm-up, then three timed steps
    assert 0 <= seconds < BIG_STEP_S
    assert torch.get_num_threads() == before


def test_the_probe_step_leaves_the_models_state_grads_and_the_rng_untouched():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Dropout(0.5), nn.Linear(8, 3))
    calls: list[int] = []
    model.register_forward_hook(lambda m, i, o: calls.append(o.shape[0]))
    batch = (torch.randn(16, 4), torch.randint(0, 3, (16,)))
    state = {k: v.clone() for k, v in model.state_dict().items()}
    rng = torch.get_rng_state()
    step = training_step(model, nn.CrossEntropyLoss(), batch, Classification())
    step()
    step()
    assert calls == [16, 16]  # it did run the model (a copy carries the hook)
    assert torch.equal(torch.get_rng_state(), rng)
    for key, value in model.state_dict().items():
        assert torch.equal(value, state[key]), key  # running statistics included
    assert all(p.grad is None for p in model.parameters())


def test_the_choice_is_recorded_as_a_dict():
    assert ThreadChoice(1, "why").as_dict() == {"threads": 1, "reason": "why"}


def test_the_probe_batch_is_the_first_and_leaves_the_loaders_order_as_it_was():
    from d2lkit.data import TensorLoader

    loader = TensorLoader(torch.arange(40.0), batch_size=8, shuffle=True, seed=3)
    probe = probe_batch(loader)
    after = [b for (b,) in loader]
    fresh = [b for (b,) in TensorLoader(torch.arange(40.0), batch_size=8, shuffle=True, seed=3)]
    assert torch.equal(probe[0], fresh[0])
    assert all(torch.equal(a, b) for a, b in zip(after, fresh, strict=True))


def test_a_second_run_in_the_same_process_still_sees_torchs_first_count(monkeypatch, tmp_path):
    _machine(monkeypatch, tmp_path, cores=4, load=0.0, running=1)
    assert free_cores().usable == 4
    monkeypatch.setattr(torch, "get_num_threads", lambda: 1)  # the first run set one thread
    assert free_cores().usable == 4


def test_an_unreadable_proc_loadavg_counts_as_unknown(monkeypatch, tmp_path):
    _machine(monkeypatch, tmp_path, cores=2, load=0.2, running=None)
    (tmp_path / "loadavg").write_text("not the format\n")
    assert free_cores().runnable == -1


class _Readings:
    """A /proc file whose successive reads return the texts given, in turn."""

    def __init__(self, *texts: str) -> None:
        self.texts = iter(texts)

    def read_text(self) -> str:
        return next(self.texts)


def test_the_cpu_other_processes_used_is_read_from_proc_stat_less_our_own(monkeypatch):
    # cores 0 and 1 are ours, core 2 is not (busy all the time): over the window our two
    # were busy 90 ticks of 200, 30 of them ours, so others used 60 ticks: 0.6 of a core
    stat = (
        "cpu  0 0 0 0 0 0 0 0 0 0\n"
        "cpu0 {} 0 0 {} 0 0 0 0 0 0\ncpu1 0 0 0 1000 0 0 0 0 0 0\ncpu2 {} 0 0 0 0 0 0 0 0 0\n"
    )
    me = "4242 (python (d2lkit)) R " + " ".join(["0"] * 10) + " {} {} 0 0\n"
    before, after = stat.format(1000, 2000, 500), stat.format(1090, 2010, 600)
    after = after.replace("cpu1 0 0 0 1000", "cpu1 0 0 0 1100")
    monkeypatch.setattr(threads_mod, "_STAT", _Readings(before, after))
    monkeypatch.setattr(
        threads_mod, "_SELF_STAT", _Readings(me.format(100, 20), me.format(120, 30))
    )
    monkeypatch.setattr(threads_mod, "_LOADAVG", _Readings(*["0.5 0.5 0.5 2/300 1"] * 6))
    monkeypatch.setattr(threads_mod.time, "sleep", lambda s: None)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    runnable, used = threads_mod._measure_others()
    assert runnable == 1 and used == pytest.approx(0.6)


def test_a_pause_in_one_round_of_timing_does_not_decide_alone(monkeypatch, tmp_path):
    _machine(monkeypatch, tmp_path, cores=2, load=0.0, running=1)
    rounds = iter([0.020, 0.019, 0.021, 0.011])  # 1 thread, 2 (a pause hit it), 1, 2
    asked = []

    def timer(step, threads):
        asked.append(threads)
        return next(rounds)

    choice = choose_threads("auto", step=lambda: None, timer=timer)
    assert asked == [1, 2, 1, 2] and choice.threads == 2
    assert "20.0 ms on 1 thread, 11.0 ms on 2" in choice.reason


def test_threads_no_faster_at_all_are_not_timed_again(monkeypatch, tmp_path):
    # two runs started together both time 2 threads at once: the step crawls; no second round
    _machine(monkeypatch, tmp_path, cores=2, load=0.0, running=1)
    timer = _Timer({1: 0.008, 2: 2.1})
    choice = choose_threads("auto", step=lambda: None, timer=timer)
    assert choice.threads == 1 and timer.asked == [1, 2]
