"""The small networks of a popular PyTorch course (Liu Er's lessons 6-8), as the course writes them.

Both end in a sigmoid, because the course pairs them with ``nn.BCELoss``;
with ``nn.BCEWithLogitsLoss`` one would drop that last sigmoid.
"""

from __future__ import annotations

from torch import nn

from d2lkit.models.registry import register_model

__all__ = ["diabetes_mlp", "logistic_regression"]


@register_model
def logistic_regression(num_inputs: int = 1) -> nn.Module:
    """sigmoid(x w + b): the probability of class 1 (lesson 6, hours studied -> pass)."""
    return nn.Sequential(nn.Linear(num_inputs, 1), nn.Sigmoid())  # (B, 1)


@register_model
def diabetes_mlp(num_inputs: int = 8, hidden: tuple[int, ...] = (6, 4)) -> nn.Module:
    """8 -> 6 -> 4 -> 1 with a sigmoid after every layer (lessons 7-8, diabetes)."""
    layers: list[nn.Module] = []
    width = num_inputs
    for size in (*hidden, 1):
        layers += [nn.Linear(width, size), nn.Sigmoid()]
        width = size
    return nn.Sequential(*layers)  # (B, 1)
