"""Timer, Accumulator, Benchmark: stopwatches and running sums for hand-written loops."""

from __future__ import annotations

import torch

from d2lkit.train.timing import Accumulator, Benchmark, Timer


def test_timer_records_intervals():
    timer = Timer()
    timer.stop()
    timer.start()
    timer.stop()
    assert len(timer.times) == 2 and all(t >= 0 for t in timer.times)
    assert timer.cumsum() == [timer.times[0], timer.times[0] + timer.times[1]]
    assert timer.avg() == timer.sum() / 2


def test_accumulator_adds_floats_of_anything():
    acc = Accumulator(3)
    acc.add(torch.tensor(2.0), 1, 0.5)
    acc.add(1, 1, 0.5)
    assert acc.data == [3.0, 2.0, 1.0] and len(acc) == 3
    acc.reset()
    assert acc[2] == 0.0


def test_benchmark_reports_once():
    lines: list[str] = []
    with Benchmark("work", report=lines.append) as bench:
        sum(range(100))
    assert bench.seconds is not None and lines == [f"work: {bench.seconds:.4f} sec"]
