"""Weight initialisation by name (d2l 3.7, 4.8, 6.6, 9.7).

Only the weights of linear, convolution and recurrent layers are set (for a
recurrent layer, each weight matrix of each layer and direction); biases,
embeddings and norms keep their values, as in the book's ``init_weights``
functions.
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
    """Initialise every linear/conv/RNN weight of ``model`` with a named scheme, in place.

    Schemes: ``normal`` (mean 0, std 0.01), ``xavier_uniform``, ``xavier_normal``,
    ``kaiming_uniform`` and ``kaiming_normal`` (He, for ReLU networks).
    """
    try:
        init = INITIALIZERS[scheme]
    except KeyError:
        raise ConfigError(
            f"unknown initialisation {scheme!r}", fix=f"use one of: {', '.join(INITIALIZERS)}"
        ) from None
    for module in model.modules():
        if isinstance(module, _LAYERS) and not isinstance(
            module.weight, nn.parameter.UninitializedParameter
        ):
            init(module.weight)
        elif isinstance(module, nn.RNNBase):  # weight_ih_l0, weight_hh_l0, ..._reverse
            for name, param in module.named_parameters(recurse=False):
                if name.startswith("weight"):
                    init(param)
    return model
