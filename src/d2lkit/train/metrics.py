"""Metrics summed on the device, read once per epoch.

Calling ``.item()`` after every batch makes the host wait for the device each
step; on a GPU that stalls the pipeline. Instead each batch adds to running
sums that stay on the device, and ``compute()`` syncs once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import torch

__all__ = ["DEFAULT_METRICS", "MetricFn", "RunningMetrics", "correct_count"]

# A metric maps (outputs, targets) to a sum over the batch; dividing by the
# number of examples happens once, at the end.
MetricFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def correct_count(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """How many predictions (argmax over classes) equal the labels."""
    return (outputs.argmax(dim=1) == targets).sum()


DEFAULT_METRICS: dict[str, MetricFn] = {"acc": correct_count}


class RunningMetrics:
    """The mean loss and metrics over the examples seen so far."""

    def __init__(self, metrics: Mapping[str, MetricFn], device: torch.device) -> None:
        self.metrics = dict(metrics)
        self.device = device
        self.reset()

    def reset(self) -> None:
        self.count = 0
        self.sums = {name: torch.zeros((), device=self.device) for name in ("loss", *self.metrics)}

    @torch.no_grad()
    def update(self, loss: torch.Tensor, outputs: torch.Tensor, targets: torch.Tensor) -> None:
        """Add one batch; ``loss`` is the batch mean, as torch's losses return it."""
        n = targets.shape[0]
        self.count += n
        self.sums["loss"] += loss.detach().float() * n
        for name, fn in self.metrics.items():
            self.sums[name] += fn(outputs, targets)

    def compute(self) -> dict[str, float]:
        """Means over the examples seen: the one place that waits for the device."""
        if self.count == 0:
            return {}
        values = torch.stack(list(self.sums.values())).double().cpu() / self.count
        return dict(zip(self.sums, values.tolist(), strict=True))
