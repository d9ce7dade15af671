"""How many intra-op threads a run should use: the cores free now, and whether its step gains.

PyTorch starts one intra-op thread per core. That is right for a large step
on an idle machine and badly wrong elsewhere: threads that outnumber the free
cores spin and wait on each other, and a small step (softmax regression's
784 x 10 matrix product) gains nothing from threads even on an idle machine.
On a 2-core machine two softmax runs started together took 6.0-6.7 s with two
threads each against 4.2-4.7 s with one; under a load of 4-5 one run slowed
24x (issue 22).

:func:`choose_threads` decides once, when a run starts:

1. an explicit number always wins;
2. the cores free now: the cores this process may run on
   (``os.sched_getaffinity``), capped by torch's default (``OMP_NUM_THREADS``
   or one per core), less the cores other processes keep busy: the larger of
   the CPU time they used over the last :data:`_WINDOW_S` on those cores
   (``/proc/stat``, less this process's own) and the processes runnable right now
   (``/proc/loadavg``: a second run started at the same moment shows there
   before it has used any CPU). The 1-minute load average is only the
   fallback where ``/proc/stat`` cannot be read: it lags a minute behind,
   so right after a run ends (the previous recipe of ``d2lkit reproduce``,
   or this process's own) it counts a core as busy that is idle;
3. with more than one core free, the step decides: a few forward and
   backward passes of the real model on one batch are timed at one thread
   and at that many (twice in turn, the best of each counting, when the
   first round finds threads faster but under the margin); threads are
   used only when they make the step at least :data:`MIN_GAIN` times faster
   (a step that already takes :data:`BIG_STEP_S` on one thread is not timed
   further: it is large enough).

The choice comes with a one-line reason, to print and to keep in config.json.
"""

from __future__ import annotations

import contextlib
import copy
import math
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from d2lkit.errors import ConfigError
from d2lkit.train.tasks import Task

__all__ = [
    "BIG_STEP_S",
    "MIN_GAIN",
    "CoreCount",
    "ThreadChoice",
    "choose_threads",
    "free_cores",
    "probe_batch",
    "time_step",
    "training_step",
]

MIN_GAIN = 1.3  # threads must make a step this much faster to be worth their risk
BIG_STEP_S = 0.25  # a step this slow on one thread is compute-bound: threads pay, no timing
_REPEATS = 3  # timed steps per thread count (the best one counts), after one warm-up
_LOADAVG = Path("/proc/loadavg")
_STAT = Path("/proc/stat")  # every core's CPU time since boot, in clock ticks
_SELF_STAT = Path("/proc/self/stat")  # this process's own
_WINDOW_S = 0.1  # how long the CPU use of other processes is measured
_RUNNABLE_SAMPLES = 6  # /proc/loadavg readings spread over the window: one is one instant

StepTimer = Callable[[Callable[[], object], int], float]


@dataclass(frozen=True)
class ThreadChoice:
    """The intra-op thread count for a run and why, in one line."""

    threads: int
    reason: str

    def as_dict(self) -> dict[str, Any]:
        """What config.json records: ``{"threads": 2, "reason": "..."}``."""
        return {"threads": self.threads, "reason": self.reason}


@dataclass(frozen=True)
class CoreCount:
    """The cores a run may use now, and what they were found from."""

    free: int  # at least 1
    usable: int  # cores this process may run on, capped by torch's default thread count
    load: float  # the 1-minute load average (NaN where the system has none)
    runnable: int  # other processes runnable now (-1 where unknown)
    used: float = math.nan  # cores other processes used over the window (NaN where unknown)

    def describe(self) -> str:
        """``2 of 2 cores free (others use 0.04 cores, 0 other runnable; load 1.76)``."""
        busy = [] if math.isnan(self.used) else [f"others use {self.used:.2f} cores"]
        if self.runnable >= 0:
            busy.append(f"{self.runnable} other runnable")
        load = f"load {self.load:.2f}" if not math.isnan(self.load) else "load unknown"
        busy = [", ".join(busy) + f"; {load}"] if busy else [load]
        cores = "core" if self.usable == 1 else "cores"
        return f"{self.free} of {self.usable} {cores} free ({', '.join(busy)})"


def _affinity() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(len(os.sched_getaffinity(0)), 1)
    return max(os.cpu_count() or 1, 1)


def _load_average() -> float:
    try:
        return float(os.getloadavg()[0])
    except (AttributeError, OSError):  # Windows has no load average
        return math.nan


def _runnable() -> int | None:
    """Processes (threads) runnable at this instant besides this one; None where unknown."""
    try:
        running = int(_LOADAVG.read_text().split()[3].split("/")[0])
    except (OSError, IndexError, ValueError):  # not Linux, or not the format known
        return None
    return running - 1  # the reading thread itself is running


def _cpu_ticks() -> tuple[int, int, int, int] | None:
    """(busy ticks, all ticks, this process's ticks, cores) since boot, over the cores this
    process may run on (all of them where that is unknown), from ``/proc/stat`` and
    ``/proc/self/stat``; None where they cannot be read."""
    mine = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    try:
        lines = _STAT.read_text().splitlines()
        per_cpu = {
            int(line.split()[0][3:]): [int(v) for v in line.split()[1:9]]
            for line in lines
            if line[:3] == "cpu" and line[3:4].isdigit()
        }
        rows = [row for cpu, row in per_cpu.items() if mine is None or cpu in mine]
        if not rows:  # no per-core lines (or none of ours): the machine's total line
            rows = [[int(v) for v in lines[0].split()[1:9]]]
        total = sum(sum(row) for row in rows)  # user nice system idle iowait irq softirq steal
        idle = sum(row[3] + row[4] for row in rows)  # idle and iowait
        own = _SELF_STAT.read_text().rsplit(")", 1)[1].split()  # the fields after "pid (name)"
        return total - idle, total, int(own[11]) + int(own[12]), len(rows)
    except (OSError, IndexError, ValueError):  # not Linux, or not the format known
        return None


def _measure_others() -> tuple[int, float]:
    """Other processes over :data:`_WINDOW_S`: how many are runnable (the median of a few
    instants; -1 where unknown) and how many cores they used (NaN where unknown)."""
    before = _cpu_ticks()
    readings = []
    for i in range(_RUNNABLE_SAMPLES):
        if i:
            time.sleep(_WINDOW_S / (_RUNNABLE_SAMPLES - 1))
        readings.append(_runnable())
    after = _cpu_ticks()
    known = sorted(r for r in readings if r is not None)
    runnable = max(known[len(known) // 2], 0) if len(known) == len(readings) else -1
    used = math.nan
    if before is not None and after is not None and after[1] > before[1]:
        busy, total, own = (a - b for a, b in zip(after[:3], before[:3], strict=True))
        used = max(busy - own, 0) * after[3] / total  # ticks per core: total / cores
    return runnable, used


_DEFAULT_THREADS: list[int] = []  # torch's count when first asked, before any run changed it


def _torch_default() -> int:
    """torch's own thread count (``OMP_NUM_THREADS``, or one per core) as the process began.

    Kept from the first call: once a run has set one thread, a later run in the
    same process (``d2lkit reproduce``) must still see the machine's count.
    """
    if not _DEFAULT_THREADS:
        _DEFAULT_THREADS.append(torch.get_num_threads())
    return _DEFAULT_THREADS[0]


def free_cores() -> CoreCount:
    """The cores this run may use without fighting other processes for them (at least 1)."""
    usable = max(min(_affinity(), _torch_default()), 1)
    load = _load_average()
    runnable, used = _measure_others()
    if not math.isnan(used):
        busy = max(math.floor(used + 0.5), runnable)  # half a core busy counts as busy
    else:  # no /proc/stat: the load average, which lags a minute behind, is all there is
        busy = max(0 if math.isnan(load) else math.floor(load), runnable)
    return CoreCount(max(usable - busy, 1), usable, load, runnable, used)


@contextlib.contextmanager
def _threads(count: int) -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def time_step(step: Callable[[], object], threads: int) -> float:
    """Seconds of one ``step`` at ``threads`` intra-op threads: the best of a few, after a warm-up.

    A warm-up that already takes :data:`BIG_STEP_S` is returned as it is (the
    step is large; timing it again would only delay the run).
    """
    with _threads(threads):
        start = time.perf_counter()
        step()
        warm = time.perf_counter() - start
        if warm >= BIG_STEP_S:
            return warm
        best = math.inf
        for _ in range(_REPEATS):
            start = time.perf_counter()
            step()
            best = min(best, time.perf_counter() - start)
    return best


def training_step(
    model: nn.Module, loss: Callable[..., torch.Tensor], batch: Sequence[Any], task: Task
) -> Callable[[], None]:
    """One forward and backward pass on ``batch``, on copies: the run's model, task and RNG
    are left exactly as they were (batch-norm statistics, hidden state, dropout draws)."""
    probe_model = copy.deepcopy(model)
    probe_model.train()
    probe_task = copy.deepcopy(task)
    probe_task.start(training=True)

    def step() -> None:
        with torch.random.fork_rng(devices=[]):
            result = probe_task.step(probe_model, loss, batch)
            result.loss.backward()
        probe_model.zero_grad(set_to_none=True)

    return step


def probe_batch(loader: Any) -> Sequence[Any]:
    """The loader's first batch, its shuffling state left as it was (for :func:`training_step`)."""
    state = loader.state_dict() if hasattr(loader, "state_dict") else None
    try:
        return next(iter(loader))
    finally:
        if state is not None:
            loader.load_state_dict(state)


def _explicit(setting: int | str) -> int | None:
    """The number in ``setting``, None for ``auto``; a ConfigError for anything else."""
    if isinstance(setting, str) and setting.strip().lower() == "auto":
        return None
    try:
        count = int(setting)
    except (TypeError, ValueError):
        count = 0
    if isinstance(setting, bool) or count < 1 or str(count) != str(setting).strip():
        raise ConfigError(
            f"train.threads must be 'auto' or a whole number of at least 1, got {setting!r}",
            fix="use --set train.threads=auto (the default) or e.g. --set train.threads=2",
        )
    return count


def choose_threads(
    setting: int | str = "auto",
    step: Callable[[], object] | None = None,
    *,
    timer: StepTimer = time_step,
) -> ThreadChoice:
    """The intra-op thread count for a run (see the module's docstring for the rule).

    Args:
        setting: ``"auto"`` or an explicit count (which always wins).
        step: one forward and backward pass of the run's model on one batch
            (:func:`training_step`); None decides by the free cores alone.
        timer: seconds of a step at a thread count (tests pass a fake).

    Returns:
        The count and a one-line reason. Nothing is set: the caller applies it
        with ``torch.set_num_threads``.
    """
    explicit = _explicit(setting)
    if explicit is not None:
        return ThreadChoice(explicit, f"{explicit} set explicitly (train.threads={explicit})")
    cores = free_cores()
    if cores.free == 1:
        return ThreadChoice(1, f"1 thread: {cores.describe()}")
    if step is None:
        return ThreadChoice(cores.free, f"{cores.free} threads: {cores.describe()}")
    one = timer(step, 1)
    if one >= BIG_STEP_S:
        return ThreadChoice(
            cores.free,
            f"{cores.free} threads: {cores.describe()}; a step takes {_ms(one)} "
            "on 1 thread, large enough to gain",
        )
    many = timer(step, cores.free)
    if one / MIN_GAIN < many < one:  # faster, but under the margin: a second round, in turn,
        # so that a pause that hit one count's round (another process waking) does not decide
        # alone; threads no faster at all (a sibling run timing at once) are not timed again
        one, many = min(one, timer(step, 1)), min(many, timer(step, cores.free))
    timing = f"a step takes {_ms(one)} on 1 thread, {_ms(many)} on {cores.free}"
    if many * MIN_GAIN <= one:
        return ThreadChoice(cores.free, f"{cores.free} threads: {cores.describe()}; {timing}")
    return ThreadChoice(1, f"1 thread: {cores.describe()}, but {timing} (under {MIN_GAIN}x faster)")


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"
