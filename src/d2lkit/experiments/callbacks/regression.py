"""Chapter 4's callbacks: the learned weights (4.4 prints them) and ‖w‖ (4.5 prints it)."""

from __future__ import annotations

from typing import Any

import torch

from d2lkit.metric import METRICS
from d2lkit.train import Callback, Trainer

__all__ = ["LearnedWeights", "WeightNorm", "weight_vector"]


def weight_vector(model: torch.nn.Module) -> torch.Tensor:
    """All weight matrices (parameters of 2 or more dimensions: no biases) as one vector."""
    found = [p.detach().reshape(-1) for p in model.parameters() if p.dim() >= 2]
    return torch.cat(found).cpu() if found else torch.zeros(0)


class LearnedWeights(Callback):
    """Keep the model's weights (4.4 prints them) for summary.json, beside the true ones."""

    def __init__(self, true_w: torch.Tensor) -> None:
        self.true_w = true_w.reshape(-1)
        self.learned: list[float] = []

    def on_fit_end(self, trainer: Trainer) -> None:
        self.learned = weight_vector(trainer.model).tolist()

    def summary(self) -> dict[str, Any]:
        true = [round(float(v), 4) for v in self.true_w]
        return {"weights": {"learned": [round(v, 4) for v in self.learned], "true": true}}


class WeightNorm(Callback):
    """Add ``w_norm`` (the L2 norm of the weights, biases excluded) to every row (4.5)."""

    metrics = (METRICS.get("w_norm"),)

    def on_row(self, trainer: Trainer, row: dict[str, Any]) -> None:
        row["w_norm"] = float(torch.linalg.vector_norm(weight_vector(trainer.model)))
