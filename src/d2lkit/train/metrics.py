"""Metrics summed on the device, read once per epoch.

Calling ``.item()`` after every batch makes the host wait for the device each
step; on a GPU that stalls the pipeline. Instead each batch adds its sums (a
:class:`~d2lkit.train.tasks.Step`) to running totals that stay on the device,
and ``compute()`` syncs once. Under DDP the totals are summed over ranks first.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from d2lkit.train.tasks import Step

__all__ = ["RunningMetrics", "correct_count"]


def correct_count(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """How many predictions (argmax over classes) equal the labels."""
    return (outputs.argmax(dim=1) == targets).sum()


Reducer = Callable[[torch.Tensor], torch.Tensor]


class RunningMetrics:
    """Totals of a pass over a loader: the count (examples or tokens) and each metric's sum."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.reset()

    def reset(self) -> None:
        self.batches = 0
        self._count = torch.zeros((), dtype=torch.float64, device=self.device)
        self._host_count = 0  # counts known on the host are added without a device op
        self.sums: dict[str, torch.Tensor] = {}

    @torch.no_grad()
    def update(self, step: Step) -> None:
        """Add one batch's sums."""
        self.batches += 1
        if isinstance(step.count, torch.Tensor):
            self._count += step.count
        else:
            self._host_count += step.count
        for name, value in step.sums.items():
            value = value.detach().to(torch.float64)
            if name in self.sums:
                self.sums[name] += value
            else:
                self.sums[name] = value.clone()

    def compute(self, reduce: Reducer | None = None) -> tuple[dict[str, float], float]:
        """Means over the count, and the count: the one place that waits for the device.

        ``reduce`` sums a tensor over processes (DDP) before dividing; if it has
        an ``agree(names)`` method, every process first agrees on the metric names
        (a process that served no batch has none, yet must take part).
        """
        names = list(self.sums)
        agree = getattr(reduce, "agree", None)
        if agree is not None:
            names = agree(names)
        zero = torch.zeros((), dtype=torch.float64, device=self.device)
        totals = torch.stack(
            [self._count + self._host_count, *(self.sums.get(n, zero) for n in names)]
        )  # (1 + metrics,)
        if reduce is not None:
            totals = reduce(totals)
        values = totals.cpu().tolist()
        count = values[0]
        if count == 0:
            return {}, 0.0
        return {n: v / count for n, v in zip(names, values[1:], strict=True)}, count
