"""The course's callbacks: p(pass) of the logistic model (lesson 6), the loss over all rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from d2lkit.metric import METRICS
from d2lkit.train import Callback, Trainer
from d2lkit.viz import save_figure, show_lines

__all__ = ["FullLoss", "PassCurve", "full_loss_callbacks", "pass_curve_callbacks"]


class PassCurve(Callback):
    """Each row gains ``hours_at_half`` (where p = 0.5: -b / w); the end draws ``pass.png``.

    The course plots p(pass) for 0-10 hours of study and reads the 0.5 line.
    """

    metrics = (METRICS.get("hours_at_half"),)

    def __init__(self, path: Path) -> None:
        self.path = path

    def _linear(self, trainer: Trainer) -> torch.nn.Linear:
        return next(m for m in trainer.model.modules() if isinstance(m, torch.nn.Linear))

    def on_row(self, trainer: Trainer, row: dict[str, Any]) -> None:
        layer = self._linear(trainer)
        row["hours_at_half"] = float(-layer.bias.detach() / layer.weight.detach().squeeze())

    def on_fit_end(self, trainer: Trainer) -> None:
        hours = torch.linspace(0, 10, 200).reshape(200, 1)
        p = trainer.predict(hours).reshape(-1).cpu()
        fig = show_lines(
            hours.reshape(-1).tolist(),
            {"p(pass)": p.tolist(), "0.5": [0.5] * 200},
            xlabel="hours",
            ylabel="probability of pass",
        )
        save_figure(fig, self.path)


def pass_curve_callbacks(run: Any) -> list[Callback]:
    return [PassCurve(run.run_dir / "pass.png")]


class FullLoss(Callback):
    """Each row gains ``full_loss``: the loss over every training row (extras["full"])."""

    metrics = (METRICS.get("full_loss"),)

    def __init__(self, loader: Any) -> None:
        self.loader = loader

    def on_row(self, trainer: Trainer, row: dict[str, Any]) -> None:
        row["full_loss"] = trainer.evaluate(self.loader)["loss"]


def full_loss_callbacks(run: Any) -> list[Callback]:
    return [FullLoss(run.data.extras["full"])]
