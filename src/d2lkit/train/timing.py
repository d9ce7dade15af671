"""Stopwatches and running sums for hand-written loops (the book's Timer, Accumulator, Benchmark).

The Trainer times its own epochs; these serve loops a reader writes
themselves, and the book-compatible API in :mod:`d2lkit.compat`.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from types import TracebackType

__all__ = ["Accumulator", "Benchmark", "Timer"]


class Timer:
    """Record several intervals; the clock starts when the timer is made.

    ``stop()`` returns the interval just ended and keeps it in ``times``.
    """

    def __init__(self) -> None:
        self.times: list[float] = []
        self.start()

    def start(self) -> None:
        self.tik = time.perf_counter()

    def stop(self) -> float:
        self.times.append(time.perf_counter() - self.tik)
        return self.times[-1]

    def avg(self) -> float:
        return sum(self.times) / len(self.times)

    def sum(self) -> float:
        return sum(self.times)

    def cumsum(self) -> list[float]:
        return list(itertools.accumulate(self.times))


class Accumulator:
    """``n`` running float sums; ``add(a, b, ...)`` adds ``float()`` of each (tensors too)."""

    def __init__(self, n: int) -> None:
        self.data = [0.0] * n

    def add(self, *args: object) -> None:
        self.data = [a + float(b) for a, b in zip(self.data, args, strict=False)]  # type: ignore[arg-type]

    def reset(self) -> None:
        self.data = [0.0] * len(self.data)

    def __getitem__(self, idx: int) -> float:
        return self.data[idx]

    def __len__(self) -> int:
        return len(self.data)


class Benchmark:
    """Time a ``with`` block and report ``'{description}: {secs:.4f} sec'`` when it ends.

    Args:
        description: the label of the report.
        report: where the line goes (``print`` by default: this is a user's tool).
    """

    def __init__(self, description: str = "Done", report: Callable[[str], None] = print) -> None:
        self.description = description
        self.report = report
        self.seconds: float | None = None

    def __enter__(self) -> Benchmark:
        self.timer = Timer()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.seconds = self.timer.stop()
        self.report(f"{self.description}: {self.seconds:.4f} sec")
