"""Weight initialisation by name (d2l 3.7, 4.8, 6.6).

Only the weights of linear and convolution layers are set; biases keep their
values, as in the book's ``init_weights`` functions.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from d2lkit.errors import ConfigError

__all__ = ["INITIALIZERS", "init_weights"]

_LAYERS = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.LazyLinear, nn.LazyConv2d)

INITIALIZERS: dict[str, Callable[[torch.Tensor], object]] = {
    "normal": lambda w: nn.init.normal_(w, mean=0.0, std=0.01),
    "xavier_uniform": nn.init.xavier_uniform_,
    "xavier_normal": nn.init.xavier_normal_,
    "kaiming_uniform": lambda w: nn.init.kaiming_uniform_(w, nonlinearity="relu"),
    "kaiming_normal": lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"),
}


def init_weights(model: nn.Module, scheme: str) -> nn.Module:
    """Initialise every linear/conv weight of ``model`` with a named scheme, in place.

    Schemes: ``normal`` (mean 0, std 0.01), ``xavier_uniform``, ``xavier_normal``,
    ``kaiming_uniform`` and ``kaiming_normal`` (He, for ReLU networks).
    """
    try:
        init = INITIALIZERS[scheme]
    except KeyError:
        raise ConfigError(f"unknown initialisation {scheme!r}",
                          fix=f"use one of: {', '.join(INITIALIZERS)}") from None
    for module in model.modules():
        if isinstance(module, _LAYERS) and not isinstance(
            module.weight, nn.parameter.UninitializedParameter
        ):
            init(module.weight)
    return model
