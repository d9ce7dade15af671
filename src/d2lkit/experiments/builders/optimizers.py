"""Optimisers by name: torch.optim's and the book's from-scratch ones, from ``optim.*``.

A model may ask for a larger learning rate on some of its parameters, as the
book's fine-tuning does for the new output layer (13.2: ten times the rate of
the pretrained layers): it marks them with an ``lr_scale`` attribute
(:data:`d2lkit.models.finetune.LR_SCALE`), and :func:`build_optimizer` puts them into a parameter
group of their own with ``lr * lr_scale`` (schedules then scale every group).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch import nn

from d2lkit import scratch
from d2lkit.errors import ConfigError
from d2lkit.experiments.config import OptimConfig
from d2lkit.models.finetune import LR_SCALE
from d2lkit.registry import Registry

__all__ = ["OPTIMIZERS", "build_optimizer", "param_groups"]

Params = Iterable[nn.Parameter]
OptimizerBuilder = Callable[[Params, OptimConfig], torch.optim.Optimizer]
OPTIMIZERS: Registry[OptimizerBuilder] = Registry("optimizer")


def _eps(c: OptimConfig, default: float) -> float:
    return default if c.eps is None else c.eps


def _no_momentum(name: str, c: OptimConfig) -> None:
    if c.momentum:
        raise ConfigError(f"{name} takes no momentum", fix="use optim.name=sgd or momentum")


@OPTIMIZERS.register("sgd")
def _sgd(params: Params, c: OptimConfig) -> torch.optim.Optimizer:
    return torch.optim.SGD(
        params, lr=c.lr, momentum=c.momentum, weight_decay=c.weight_decay, nesterov=c.nesterov
    )


@OPTIMIZERS.register("adam")
def _adam(params: Params, c: OptimConfig) -> torch.optim.Optimizer:
    _no_momentum("adam", c)
    return torch.optim.Adam(
        params, lr=c.lr, betas=(c.beta1, c.beta2), eps=_eps(c, 1e-8), weight_decay=c.weight_decay
    )


@OPTIMIZERS.register("adamw")
def _adamw(params: Params, c: OptimConfig) -> torch.optim.Optimizer:
    _no_momentum("adamw", c)
    return torch.optim.AdamW(
        params, lr=c.lr, betas=(c.beta1, c.beta2), eps=_eps(c, 1e-8), weight_decay=c.weight_decay
    )


@OPTIMIZERS.register("adagrad")
def _adagrad(params: Params, c: OptimConfig) -> torch.optim.Optimizer:
    _no_momentum("adagrad", c)
    return torch.optim.Adagrad(params, lr=c.lr, eps=_eps(c, 1e-10), weight_decay=c.weight_decay)


@OPTIMIZERS.register("rmsprop")
def _rmsprop(params: Params, c: OptimConfig) -> torch.optim.Optimizer:
    return torch.optim.RMSprop(
        params,
        lr=c.lr,
        alpha=c.alpha,
        eps=_eps(c, 1e-8),
        weight_decay=c.weight_decay,
        momentum=c.momentum,
    )


@OPTIMIZERS.register("adadelta")
def _adadelta(params: Params, c: OptimConfig) -> torch.optim.Optimizer:
    _no_momentum("adadelta", c)
    return torch.optim.Adadelta(
        params, lr=c.lr, rho=c.rho, eps=_eps(c, 1e-6), weight_decay=c.weight_decay
    )


@OPTIMIZERS.register("sgd_scratch")
def _sgd_scratch(params: Params, c: OptimConfig) -> torch.optim.Optimizer:
    _no_momentum("sgd_scratch", c)
    return scratch.SGD(params, lr=c.lr, weight_decay=c.weight_decay)


@OPTIMIZERS.register("momentum_scratch")
def _momentum_scratch(params: Params, c: OptimConfig) -> torch.optim.Optimizer:
    return scratch.Momentum(params, lr=c.lr, momentum=c.momentum, weight_decay=c.weight_decay)


@OPTIMIZERS.register("adagrad_scratch")
def _adagrad_scratch(params: Params, c: OptimConfig) -> torch.optim.Optimizer:
    _no_momentum("adagrad_scratch", c)
    return scratch.AdaGrad(params, lr=c.lr, eps=_eps(c, 1e-10), weight_decay=c.weight_decay)


@OPTIMIZERS.register("rmsprop_scratch")
def _rmsprop_scratch(params: Params, c: OptimConfig) -> torch.optim.Optimizer:
    _no_momentum("rmsprop_scratch", c)
    return scratch.RMSProp(
        params, lr=c.lr, alpha=c.alpha, eps=_eps(c, 1e-8), weight_decay=c.weight_decay
    )


@OPTIMIZERS.register("adadelta_scratch")
def _adadelta_scratch(params: Params, c: OptimConfig) -> torch.optim.Optimizer:
    _no_momentum("adadelta_scratch", c)
    return scratch.AdaDelta(
        params, lr=c.lr, rho=c.rho, eps=_eps(c, 1e-6), weight_decay=c.weight_decay
    )


@OPTIMIZERS.register("adam_scratch")
def _adam_scratch(params: Params, c: OptimConfig) -> torch.optim.Optimizer:
    _no_momentum("adam_scratch", c)
    return scratch.Adam(
        params, lr=c.lr, betas=(c.beta1, c.beta2), eps=_eps(c, 1e-8), weight_decay=c.weight_decay
    )


@OPTIMIZERS.register("yogi_scratch")
def _yogi_scratch(params: Params, c: OptimConfig) -> torch.optim.Optimizer:
    _no_momentum("yogi_scratch", c)
    return scratch.Yogi(
        params, lr=c.lr, betas=(c.beta1, c.beta2), eps=_eps(c, 1e-3), weight_decay=c.weight_decay
    )


def param_groups(params: Params, lr: float) -> list[nn.Parameter] | list[dict[str, Any]]:
    """The parameters as they are, or in groups by their ``lr_scale`` (see the module).

    Without any marked parameter: the list itself (one group, as before). Else
    one group per scale, in the order the scales first appear, each with its lr.
    """
    found = list(params)
    scales = [float(getattr(p, LR_SCALE, 1.0)) for p in found]
    if all(s == 1.0 for s in scales):
        return found
    groups: dict[float, list[nn.Parameter]] = {}
    for p, scale in zip(found, scales, strict=True):
        if scale <= 0:
            raise ConfigError(
                f"a parameter of shape {tuple(p.shape)} has lr_scale {scale}",
                fix="a parameter's lr_scale must be positive (freeze it with requires_grad)",
            )
        groups.setdefault(scale, []).append(p)
    return [{"params": group, "lr": lr * scale} for scale, group in groups.items()]


def build_optimizer(config: OptimConfig, params: Params) -> torch.optim.Optimizer:
    """``optim.name`` over ``params``, marked parameters in groups of their own rate."""
    grouped: Any = param_groups(params, config.lr)
    return OPTIMIZERS.get(config.name)(grouped, config)
