"""Metrics summed on the device, read once per epoch.

Calling ``.item()`` after every batch makes the host wait for the device each
step; on a GPU that stalls the pipeline. Instead each batch adds its sums (a
:class:`~d2lkit.train.tasks.Step`) to running totals that stay on the device,
and ``compute()`` syncs once. Under DDP the totals are summed over ranks first.
The batch sums are not even added per step: they are kept and added in chunks
(``fold``), and :class:`FirstNonFinite` watches the loss the same way.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from d2lkit.train.tasks import Step

__all__ = ["FirstNonFinite", "RunningMetrics", "correct_count"]


def correct_count(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """How many predictions (argmax over classes) equal the labels."""
    return (outputs.argmax(dim=1) == targets).sum()


Reducer = Callable[[torch.Tensor], torch.Tensor]


FOLD = 512  # steps whose kept scalars are reduced on the device in one go


def _sum64(values: list[torch.Tensor]) -> torch.Tensor:
    return torch.stack(values).to(torch.float64).sum()


class RunningMetrics:
    """Totals of a pass over a loader: the count (examples or tokens) and each metric's sum.

    A batch's sums are only kept (no device op per step); every ``fold`` batches,
    and at :meth:`compute`, they are stacked and added in float64. That costs
    one op per metric per ``fold`` steps instead of three per step, which is
    what a tiny model's step is made of (softmax regression: about 10 µs each).
    """

    fold = FOLD

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.reset()

    def reset(self) -> None:
        self.batches = 0
        self._host_count = 0  # counts known on the host are added without a device op
        self._count = torch.zeros((), dtype=torch.float64, device=self.device)
        self._pending_counts: list[torch.Tensor] = []  # device counts (tokens), not yet added
        self._totals: dict[str, torch.Tensor] = {}  # float64, folded
        self._pending: dict[str, list[torch.Tensor]] = {}  # kept, not yet added

    @torch.no_grad()
    def update(self, step: Step) -> None:
        """Keep one batch's sums."""
        self.batches += 1
        if isinstance(step.count, torch.Tensor):
            self._pending_counts.append(step.count.detach())
        else:
            self._host_count += step.count
        for name, value in step.sums.items():
            self._pending.setdefault(name, []).append(value.detach())
        if self.batches % self.fold == 0:
            self._fold()

    def _fold(self) -> None:
        for name, values in self._pending.items():
            total = _sum64(values)
            self._totals[name] = self._totals[name] + total if name in self._totals else total
        if self._pending_counts:
            self._count = self._count + _sum64(self._pending_counts)
        self._pending, self._pending_counts = {}, []

    @property
    def sums(self) -> dict[str, torch.Tensor]:
        """Each metric's float64 sum so far, on the device (adds what is pending first)."""
        self._fold()
        return dict(self._totals)

    def compute(self, reduce: Reducer | None = None) -> tuple[dict[str, float], float]:
        """Means over the count, and the count: the one place that waits for the device.

        ``reduce`` sums a tensor over processes (DDP) before dividing; if it has
        an ``agree(names)`` method, every process first agrees on the metric names
        (a process that served no batch has none, yet must take part).
        """
        sums = self.sums
        names = list(sums)
        agree = getattr(reduce, "agree", None)
        if agree is not None:
            names = agree(names)
        zero = torch.zeros((), dtype=torch.float64, device=self.device)
        count = self._count + self._host_count
        totals = torch.stack([count, *(sums.get(n, zero) for n in names)])  # (1 + metrics,)
        if reduce is not None:
            totals = reduce(totals)
        values = totals.cpu().tolist()
        count = values[0]
        if count == 0:
            return {}, 0.0
        return {n: v / count for n, v in zip(names, values[1:], strict=True)}, count


class FirstNonFinite:
    """Where a pass's loss first became NaN or infinite, with no host wait per step.

    Losses are kept; every ``fold`` steps they are reduced on the device to the
    first bad (step, loss) so far, so memory stays bounded however long the
    pass. :meth:`result` waits for the device once.

    Args:
        first_step: the global index (from 0) of the pass's first step.
    """

    fold = FOLD

    def __init__(self, first_step: int = 0) -> None:
        self.first_step = first_step
        self._seen = 0
        self._pending: list[torch.Tensor] = []
        self._found: torch.Tensor | None = None  # (step in the pass or inf, loss), float64

    def add(self, loss: torch.Tensor) -> None:
        self._pending.append(loss.detach())
        if len(self._pending) >= self.fold:
            self._reduce()

    def _reduce(self) -> None:
        if not self._pending:
            return
        losses = torch.stack(self._pending).to(torch.float64)
        steps = torch.arange(len(losses), dtype=torch.float64, device=losses.device) + self._seen
        steps = torch.where(torch.isfinite(losses), math.inf, steps)
        first = steps.argmin()
        candidate = torch.stack([steps[first], losses[first]])
        if self._found is not None:  # an earlier chunk's bad step wins
            candidate = torch.where(self._found[0] <= candidate[0], self._found, candidate)
        self._found = candidate
        self._seen += len(self._pending)
        self._pending = []

    def result(self) -> tuple[int, float] | None:
        """(global step counted from 1, its loss), or None if every loss was finite."""
        self._reduce()
        if self._found is None:
            return None
        step, loss = self._found.tolist()
        return None if math.isinf(step) else (self.first_step + int(step) + 1, loss)
